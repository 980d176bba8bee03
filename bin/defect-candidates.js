#!/usr/bin/env node
// The command runs the TypeScript sources directly through tsx, so `npx defect-candidates` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main, processIO } = await import('../packages/core/src/cli/main.ts');
// The core has no page of its own: `generate --report` gets the viewer package's (it reads its files only when called).
const { renderReport } = await import('../packages/viewer/src/index.ts');
process.exitCode = await main(process.argv.slice(2), { ...processIO, renderReport });
