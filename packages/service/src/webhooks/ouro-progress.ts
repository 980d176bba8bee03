import type { Got } from 'got';
import type { Logger } from 'pino';
import { createSafeHttp } from '../net/http.ts';
import type { Action } from '../store/actions.ts';

/**
 * Progress logs on the Ouro platform for long runs: the platform marks an action that stays
 * silent for about 45 minutes as timed out, so while a platform action runs we post a log line
 * at every stage and at least every `heartbeatMs` (default 4 min, inside the 5 min the platform
 * contract asks for). Same calls as the platform's SDK: exchange the API key for an access token
 * (`POST /users/get-token`), then `POST /actions/:id/log` with that token as `Authorization`.
 * Failures are logged and swallowed: progress logs never fail or delay a job.
 */
export interface OuroProgressOptions {
  backendUrl: string;
  apiKey: string;
  heartbeatMs?: number;
  timeoutMs?: number;
  logger?: Logger;
  http?: Got;
}

export const DEFAULT_HEARTBEAT_MS = 4 * 60 * 1000;
// Refresh the access token this long before it expires.
const TOKEN_MARGIN_MS = 5 * 60 * 1000;

type Level = 'info' | 'warning' | 'error';

function jwtExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

export class OuroProgressReporter {
  private readonly http: Got;
  private readonly base: string;
  private token: { value: string; expiresAt: number | null } | null = null;
  private pendingToken: Promise<string> | null = null;

  constructor(readonly options: OuroProgressOptions) {
    this.base = options.backendUrl.replace(/\/+$/, '');
    // The backend URL is the operator's own setting (often a local platform in development).
    this.http = options.http ?? createSafeHttp({ allowPrivate: true, timeoutMs: options.timeoutMs ?? 10_000 });
  }

  /** A reporter when OURO_API_KEY and OURO_BACKEND_URL are both set, else null. */
  static fromConfig(config: { ouroApiKey: string; ouroBackendUrl: string }, logger?: Logger): OuroProgressReporter | null {
    if (!config.ouroApiKey || !config.ouroBackendUrl) return null;
    return new OuroProgressReporter({ backendUrl: config.ouroBackendUrl, apiKey: config.ouroApiKey, ...(logger ? { logger } : {}) });
  }

  /** Starts following a platform action; null for actions the platform did not send. */
  track(action: Pick<Action, 'id' | 'platform'>): ActionProgressLog | null {
    const platformId = action.platform?.action_id;
    if (!platformId) return null;
    return new ActionProgressLog(this, platformId, action.platform?.route_id, this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  }

  private async accessToken(forceRefresh = false): Promise<string> {
    const fresh = this.token && (this.token.expiresAt === null || this.token.expiresAt - TOKEN_MARGIN_MS > Date.now());
    if (this.token && fresh && !forceRefresh) return this.token.value;
    this.pendingToken ??= (async () => {
      try {
        const reply = await this.http
          .post(`${this.base}/users/get-token`, { json: { pat: this.options.apiKey } })
          .json<{ access_token?: string; error?: unknown }>();
        if (!reply.access_token) throw new Error(`the platform refused the API key: ${JSON.stringify(reply.error ?? 'no access_token')}`);
        this.token = { value: reply.access_token, expiresAt: jwtExpiry(reply.access_token) };
        return reply.access_token;
      } finally {
        this.pendingToken = null;
      }
    })();
    return this.pendingToken;
  }

  /** Posts one log line to a platform action; resolves to whether the platform took it. */
  async post(platformActionId: string, message: string, level: Level, assetId?: string): Promise<boolean> {
    const url = `${this.base}/actions/${encodeURIComponent(platformActionId)}/log`;
    const json = { message, level, ...(assetId ? { asset_id: assetId } : {}) };
    try {
      for (const refresh of [false, true]) {
        const token = await this.accessToken(refresh);
        const response = await this.http.post(url, { json, headers: { authorization: token }, throwHttpErrors: false });
        if (response.statusCode === 401 && !refresh) continue;
        if (response.statusCode >= 200 && response.statusCode < 300) return true;
        this.options.logger?.warn({ platform_action_id: platformActionId, status: response.statusCode }, 'Ouro progress log refused');
        return false;
      }
    } catch (error) {
      this.options.logger?.warn({ platform_action_id: platformActionId, err: (error as Error).message }, 'Ouro progress log failed');
    }
    return false;
  }
}

/** The progress log of one running platform action. Calls are queued so lines arrive in order. */
export class ActionProgressLog {
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private lastStage: string | null = null;
  private lastPercent = 0;
  private readonly startedAt = Date.now();
  private stopped = false;

  constructor(
    private readonly reporter: OuroProgressReporter,
    readonly platformActionId: string,
    private readonly routeId: string | undefined,
    private readonly heartbeatMs: number,
  ) {
    this.arm();
  }

  /** A new stage (posted at once) or a percent within the current stage (kept for the next heartbeat). */
  stage(stage: string, percent: number): void {
    if (this.stopped) return;
    this.lastPercent = Math.round(percent);
    if (stage === this.lastStage) return;
    this.lastStage = stage;
    this.send(`${stage} (${this.lastPercent}%)`, 'info');
    this.arm();
  }

  /** Posts the final line and stops the heartbeat; resolves once every queued line was sent. */
  async finish(status: 'success' | 'error', detail?: string): Promise<void> {
    if (this.stopped) return;
    this.stop();
    const message = status === 'success' ? `Finished${detail ? `: ${detail}` : ''}` : `Failed${detail ? `: ${detail}` : ''}`;
    this.send(message, status === 'success' ? 'info' : 'error', true);
    await this.chain;
  }

  /** Stops the heartbeat without a final line (the job was handed back to the queue). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Resolves when every line queued so far has been attempted. */
  flushed(): Promise<unknown> {
    return this.chain;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  private heartbeat(): void {
    if (this.stopped) return;
    const minutes = Math.round((Date.now() - this.startedAt) / 60_000);
    this.send(`Still working: ${this.lastStage ?? 'queued'} (${this.lastPercent}%), ${minutes} min elapsed`, 'info');
    this.arm();
  }

  private send(message: string, level: Level, final = false): void {
    if (this.stopped && !final) return;
    this.chain = this.chain.then(() => this.reporter.post(this.platformActionId, message, level, this.routeId));
  }
}
