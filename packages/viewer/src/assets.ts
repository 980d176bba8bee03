import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ViewerAssets } from './html.ts';

const require = createRequire(import.meta.url);
const ASSETS_DIR = join(import.meta.dirname, '..', 'assets');

/** Where each asset the page loads is read from: 3Dmol.js from its npm package, the page's own files from `assets/`. */
export const ASSET_FILES = {
  '3Dmol-min.js': require.resolve('3dmol/build/3Dmol-min.js'),
  'page.js': join(ASSETS_DIR, 'page.js'),
  'page.css': join(ASSETS_DIR, 'page.css'),
} as const;

export type AssetName = keyof typeof ASSET_FILES;

let cached: ViewerAssets | null = null;

/** Reads the page's assets once per process (about 0.55 MB, 3Dmol.js being nearly all of it). Throws if a file is missing. */
export function readViewerAssets(): ViewerAssets {
  cached ??= {
    viewerJs: readFileSync(ASSET_FILES['3Dmol-min.js'], 'utf8'),
    pageJs: readFileSync(ASSET_FILES['page.js'], 'utf8'),
    pageCss: readFileSync(ASSET_FILES['page.css'], 'utf8'),
  };
  return cached;
}
