import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Router, type Request, type Response } from 'express';
import type { DefectAnswer } from '@defect-candidates/core';
import type { Action } from '@defect-candidates/service/store/actions';
import { ASSET_FILES, PAGE_CSP, linkErrorHtml, pageAnswer, readViewerAssets, servedPageHtml, type AssetName } from '@defect-candidates/viewer';
import { HttpError, notFound } from '../errors.ts';
import { ACTION_ID_PATTERN } from '../schemas.ts';
import { sendArchive } from './actions.ts';
import type { ApiContext } from '../context.ts';

/**
 * The result page of an action and what it reads, reached through the signed link of
 * `links.view` rather than an API key:
 * - `GET /view/:id?expires&signature`: the page (HTML, the same for every action);
 * - `GET /view/:id/data?…`: the action's state, and the answer shaped for the page on success;
 * - `GET /view/:id/archive.zip?…`: the archive, as `/actions/:id/archive.zip` gives it;
 * - `GET /viewer/<asset>`: the page's script, style and 3Dmol.js, public (no action data in them).
 * A wrong signature, another action's, or one past its expiry gets 403: JSON, or a small HTML
 * page saying how to get a fresh link when a browser opens the page or the archive.
 */

interface AssetResponse {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

const ASSET_TYPES: Record<AssetName, string> = {
  '3Dmol-min.js': 'text/javascript; charset=utf-8',
  'page.js': 'text/javascript; charset=utf-8',
  'page.css': 'text/css; charset=utf-8',
};

/** Headers every response about one action carries: nothing cached, nothing sent on as Referer, nothing sniffed. */
function privateHeaders(res: Response): void {
  res.setHeader('cache-control', 'no-store');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-robots-tag', 'noindex');
}

/** The page's view of an action: its state and, on success, the answer; never its owner, input, webhook or platform details. */
function pageAction(action: Action, answer: DefectAnswer | null): Record<string, unknown> {
  return {
    id: action.id,
    status: action.status,
    created_at: action.created_at,
    started_at: action.started_at,
    finished_at: action.finished_at,
    progress: action.progress,
    ...(action.error ? { error: action.error } : {}),
    ...(answer ? { answer: pageAnswer(answer) } : {}),
  };
}

/** The signature's value out of a logged URL (`signature=[redacted]`): whoever reads the logs must not be able to open the page. */
export function redactViewSignature<T extends { url?: unknown; query?: unknown }>(req: T): T {
  const out = { ...req };
  if (typeof out.url === 'string') out.url = out.url.replace(/([?&]signature=)[^&#]*/g, '$1[redacted]');
  if (out.query && typeof out.query === 'object' && 'signature' in out.query) out.query = { ...out.query, signature: '[redacted]' };
  return out;
}

export function viewRoutes(ctx: ApiContext): Router {
  const router = Router();
  const page = servedPageHtml();
  let assets: Map<string, AssetResponse> | null = null;

  /** Read and gzipped once, on the first request for any of them (3Dmol.js: 0.54 MB, 0.15 MB gzipped). */
  function asset(name: string): AssetResponse | undefined {
    if (!assets) {
      const text = readViewerAssets();
      const bodies: Record<AssetName, string> = { '3Dmol-min.js': text.viewerJs, 'page.js': text.pageJs, 'page.css': text.pageCss };
      assets = new Map(
        (Object.keys(ASSET_FILES) as AssetName[]).map((n) => {
          const body = Buffer.from(bodies[n], 'utf8');
          // Weak: the plain and the gzipped body are one content in two encodings, and share it.
          return [n, { type: ASSET_TYPES[n], body, gzip: gzipSync(body), etag: `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }];
        }),
      );
    }
    return assets.get(name);
  }

  router.get('/viewer/:name', (req, res) => {
    const found = asset(req.params.name);
    if (!found) throw notFound('asset');
    res.setHeader('content-type', found.type);
    res.setHeader('cache-control', 'public, max-age=3600');
    res.setHeader('etag', found.etag);
    res.setHeader('vary', 'accept-encoding');
    res.setHeader('x-content-type-options', 'nosniff');
    if (req.headers['if-none-match'] === found.etag) {
      res.status(304).end();
      return;
    }
    // Express's negotiation (q-values, `*`, `identity;q=0`); a request without Accept-Encoding gets the plain body, as curl expects.
    const gzip = req.headers['accept-encoding'] !== undefined && req.acceptsEncodings('gzip', 'identity') === 'gzip';
    if (gzip) res.setHeader('content-encoding', 'gzip');
    res.end(gzip ? found.gzip : found.body);
  });

  /** The action the link was signed for: 403 unless the signature is right and current, 404 once the action is gone. */
  async function signedAction(req: Request<{ id: string }>, res: Response): Promise<Action> {
    const id = req.params.id;
    privateHeaders(res);
    const verdict = ACTION_ID_PATTERN.test(id) ? await ctx.viewLinks.check(id, req.query.expires, req.query.signature) : 'invalid';
    if (verdict === 'expired') throw new HttpError(403, 'link_expired', 'This link has expired: GET /actions/:id with your API key gives a fresh one in links.view');
    if (verdict !== 'valid') throw new HttpError(403, 'invalid_signature', 'This link is not valid for this action: use links.view from GET /actions/:id as it was given');
    res.locals.action_id = id;
    const action = await ctx.store.get(id);
    if (!action) throw notFound('action');
    return action;
  }

  /**
   * Runs a signed route whose URL a person opens in a browser (the page, the archive): a bad link
   * answers them with a page saying what happened and how to get a fresh link, API clients
   * (anything not preferring HTML) with the JSON error. `assetBase`: from that URL to `/viewer/`.
   */
  const forBrowsers =
    (assetBase: string, handler: (req: Request<{ id: string }>, res: Response) => Promise<void>) =>
    async (req: Request<{ id: string }>, res: Response) => {
      try {
        await handler(req, res);
      } catch (err) {
        if (!(err instanceof HttpError && err.status === 403 && req.accepts(['json', 'html']) === 'html')) throw err;
        res.setHeader('content-security-policy', PAGE_CSP);
        res.status(403).type('html').send(linkErrorHtml(err, assetBase));
      }
    };

  router.get(
    '/view/:id',
    forBrowsers('../viewer/', async (req, res) => {
      // `/view/<id>/` would resolve the page's relative asset paths under /view/: send it to the
      // form without the slash, relatively, so a path prefix in front of the API stays.
      if (req.path.endsWith('/')) {
        privateHeaders(res);
        const query = req.originalUrl.indexOf('?');
        res.redirect(301, `../${encodeURIComponent(req.params.id)}${query >= 0 ? req.originalUrl.slice(query) : ''}`);
        return;
      }
      await signedAction(req, res);
      res.setHeader('content-security-policy', PAGE_CSP);
      res.type('html').send(page);
    }),
  );

  router.get('/view/:id/data', async (req, res) => {
    const action = await signedAction(req, res);
    const answer = action.status === 'success' ? ((await ctx.store.getResponse(action.id)) as DefectAnswer | null) : null;
    if (action.status === 'success' && !answer) throw notFound('answer');
    res.json(pageAction(action, answer));
  });

  router.get(
    '/view/:id/archive.zip',
    forBrowsers('../../viewer/', async (req, res) => {
      await sendArchive(ctx, res, await signedAction(req, res));
    }),
  );

  return router;
}
