#!/usr/bin/env node
// The command runs the TypeScript sources directly through tsx, so `npx defect-candidates` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../packages/core/src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
