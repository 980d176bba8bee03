import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { REPO_ROOT } from './fixtures.ts';

/**
 * Headless Chromium for the browser tests: Debian's `chromium` package (`.ci/run` installs it),
 * driven by puppeteer-core, which downloads no browser of its own. CHROMIUM_PATH overrides where
 * it is looked for.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the tests write screenshots and timings for a person to look at (gitignored). */
export const TEST_OUTPUT = join(REPO_ROOT, 'test-output');

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile. Without the background-networking flags Chromium
 * reaches for Google's services at start; WebGL runs in SwiftShader (no GPU here), which newer
 * Chromium versions enable only when asked to.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  const profile = mkdtempSync(join(tmpdir(), 'dc-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    userDataDir: profile,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What a page did that a test forbids: console errors, uncaught exceptions, and requests to anywhere but where it may go. */
export interface PageWatch {
  errors: string[];
  foreignRequests: string[];
  requests: string[];
}

/**
 * Records a page's console errors (a CSP refusal is one), uncaught exceptions, and every request
 * whose URL does not start with one of `allowed` (an origin such as `http://127.0.0.1:1234`, or
 * `file://`). Inline `data:` URLs are the page's own content, not requests to anywhere.
 */
export function watchPage(page: Page, allowed: string[]): PageWatch {
  const watch: PageWatch = { errors: [], foreignRequests: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => watch.errors.push(`page error: ${(e as Error).message ?? String(e)}`));
  page.on('request', (r) => {
    const url = r.url();
    watch.requests.push(url);
    if (!url.startsWith('data:') && !allowed.some((a) => url === a || url.startsWith(a.endsWith('/') ? a : `${a}/`))) watch.foreignRequests.push(url);
  });
  return watch;
}

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM library.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

export interface CanvasPixels {
  /** Share of pixels that are not the white background, 0–1. */
  drawn: number;
  /** A hash of every pixel: changes when the picture does. */
  hash: number;
}

/** Reads back a WebGL canvas (3Dmol keeps its drawing buffer) through a 2D canvas in the page. */
export async function canvasPixels(page: Page, selector: string): Promise<CanvasPixels> {
  return page.$eval(selector, (canvas) => {
    const c = canvas as unknown as { width: number; height: number };
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const ctx = copy.getContext('2d')!;
    ctx.drawImage(c, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    let hash = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245) drawn++;
      hash = (Math.imul(hash, 31) + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
    }
    return { drawn: drawn / (c.width * c.height), hash };
  });
}

/** Waits until the canvas shows more than `minDrawn` of non-background pixels. */
export async function waitForDrawing(page: Page, selector: string, minDrawn = 0.01, timeoutMs = 30_000): Promise<CanvasPixels> {
  const deadline = Date.now() + timeoutMs;
  let last: CanvasPixels | null = null;
  while (Date.now() < deadline) {
    last = await canvasPixels(page, selector).catch(() => null);
    if (last && last.drawn > minDrawn) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${selector} did not draw within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** A folder under test-output/ for one test file's screenshots. */
export function outputDir(name: string): string {
  const dir = join(TEST_OUTPUT, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
