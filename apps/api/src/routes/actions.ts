import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import { Router, type Response } from 'express';
import { InvalidCursorError, type Action } from '@defect-candidates/service/store/actions';
import { canSee, principalOf } from '../auth.ts';
import { HttpError, invalidRequest, notFound } from '../errors.ts';
import { ACTION_ID_PATTERN, ListQuerySchema, fieldIssues } from '../schemas.ts';
import { redactWebhookUrl } from '@defect-candidates/service/webhooks/deliver';
import { actionLinks } from './links.ts';
import type { ApiContext } from '../context.ts';

const gunzip = promisify(gunzipCb);

/**
 * The action as clients see it: no platform webhook token, no stored input text, webhook URLs with
 * their query values and credentials masked (`redactWebhookUrl`); `viewLink` is its signed
 * result-page link.
 */
export function publicAction(action: Action, publicUrl: string, viewLink: string): Record<string, unknown> {
  const { platform, webhook_url, request_fingerprint: _fingerprint, ...rest } = action;
  const view: Record<string, unknown> = { ...rest };
  if (platform) {
    const { webhook_token: _token, ...visible } = platform;
    view.platform = { ...visible, ...(visible.webhook_url ? { webhook_url: redactWebhookUrl(visible.webhook_url) } : {}) };
  }
  if (webhook_url) view.webhook_url = redactWebhookUrl(webhook_url);
  view.links = actionLinks(publicUrl, action.id, viewLink);
  return view;
}

export function actionRoutes(ctx: ApiContext): Router {
  const router = Router();

  /** The action if the caller may see it; 404 otherwise, so ids of others' actions leak nothing. */
  async function visibleAction(res: Response, id: string): Promise<Action> {
    if (!ACTION_ID_PATTERN.test(id)) throw notFound('action');
    res.locals.action_id = id;
    const action = await ctx.store.get(id);
    if (!action || !canSee(principalOf(res), action.owner)) throw notFound('action');
    return action;
  }

  router.get('/actions', async (req, res) => {
    const parsed = ListQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      throw invalidRequest(fieldIssues(parsed.error.issues, 'query'));
    }
    const principal = principalOf(res);
    const owner = principal.role === 'operator' ? null : principal.name;
    let page;
    try {
      page = await ctx.store.list(owner, { status: parsed.data.status, limit: parsed.data.limit, cursor: parsed.data.cursor ?? null });
    } catch (err) {
      if (err instanceof InvalidCursorError) throw invalidRequest([{ path: 'query.cursor', message: err.message }]);
      throw err;
    }
    const base = ctx.config.publicUrl.replace(/\/+$/, '');
    const next = page.next_cursor
      ? `${base}/actions?${new URLSearchParams({ ...(parsed.data.status ? { status: parsed.data.status } : {}), limit: String(parsed.data.limit), cursor: page.next_cursor })}`
      : null;
    const viewLink = await ctx.viewLinks.signer();
    res.json({ actions: page.actions.map((a) => publicAction(a, ctx.config.publicUrl, viewLink(a.id))), next_cursor: page.next_cursor, links: { next } });
  });

  router.get('/actions/:id', async (req, res) => {
    const action = await visibleAction(res, req.params.id);
    const view = JSON.stringify(publicAction(action, ctx.config.publicUrl, await ctx.viewLinks.link(action.id)));
    const gz = action.status === 'success' ? await ctx.store.getResponseGzip(action.id) : null;
    res.type('application/json');
    if (!gz) {
      res.send(view);
      return;
    }
    // The answer is stored as JSON text already: splice it in rather than parse and re-serialise megabytes.
    const response = (await gunzip(gz)).toString('utf8');
    res.send(`${view.slice(0, -1)},"response":${response}}`);
  });

  router.get('/actions/:id/archive.zip', async (req, res) => {
    await sendArchive(ctx, res, await visibleAction(res, req.params.id));
  });

  return router;
}

/** The zip of a successful action's answer; 409 while it runs or after an error, 404 once its answer expired. */
export async function sendArchive(ctx: ApiContext, res: Response, action: Action): Promise<void> {
  if (action.status !== 'success') {
    const why = action.status === 'error' ? 'it ended in error' : `it is ${action.status}`;
    throw new HttpError(409, 'not_ready', `The action has no archive: ${why}`);
  }
  // Built in a thread: decompressing, parsing and zipping a large answer would stall the event loop.
  const built = await ctx.archives.build(action.id, () => ctx.store.getResponseGzip(action.id));
  if (!built) throw notFound('archive');
  const { zip, filename } = built;
  res.setHeader('content-type', 'application/zip');
  res.setHeader('content-disposition', `attachment; filename="${filename}"`);
  res.setHeader('content-length', String(zip.byteLength));
  res.end(Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength));
}
