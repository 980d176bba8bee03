import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OuroProgressReporter } from './ouro-progress.ts';

interface LogCall { actionId: string; authorization: string | undefined; body: { message: string; level: string; asset_id?: string } }

let server: Server;
let base: string;
let tokensIssued = 0;
let rejectNextLog = false;
const logs: LogCall[] = [];
const validTokens = new Set<string>();

async function readJson(req: IncomingMessage): Promise<any> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text);
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readJson(req);
    if (req.url === '/users/get-token') {
      if (body.pat !== 'ouro-key') return res.writeHead(200).end(JSON.stringify({ error: { message: 'bad key' } }));
      tokensIssued += 1;
      const token = `token-${tokensIssued}`;
      validTokens.add(token);
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, refresh_token: 'r' }));
    }
    const match = /^\/actions\/([^/]+)\/log$/.exec(req.url ?? '');
    if (match) {
      if (rejectNextLog || !validTokens.has(String(req.headers.authorization))) {
        // An expired session: the platform forgets the token.
        rejectNextLog = false;
        validTokens.clear();
        return res.writeHead(401).end('{}');
      }
      logs.push({ actionId: decodeURIComponent(match[1]), authorization: req.headers.authorization, body });
      return res.writeHead(200).end('{}');
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  logs.length = 0;
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('OuroProgressReporter', () => {
  it('is off unless both OURO_API_KEY and OURO_BACKEND_URL are set', () => {
    expect(OuroProgressReporter.fromConfig({ ouroApiKey: '', ouroBackendUrl: base })).toBeNull();
    expect(OuroProgressReporter.fromConfig({ ouroApiKey: 'k', ouroBackendUrl: '' })).toBeNull();
    expect(OuroProgressReporter.fromConfig({ ouroApiKey: 'k', ouroBackendUrl: base })).toBeInstanceOf(OuroProgressReporter);
  });

  it('follows only platform actions', () => {
    const reporter = new OuroProgressReporter({ backendUrl: base, apiKey: 'ouro-key' });
    expect(reporter.track({ id: 'direct-1' })).toBeNull();
  });

  it('posts each new stage and the end, in order, with the exchanged token and the route as asset', async () => {
    const reporter = new OuroProgressReporter({ backendUrl: base, apiKey: 'ouro-key', heartbeatMs: 60_000 });
    const log = reporter.track({ id: 'a1', platform: { action_id: 'plat-1', route_id: 'route-9' } })!;
    log.stage('parsing', 5);
    log.stage('parsing', 7);
    log.stage('symmetry', 20);
    await log.finish('success', '12 candidates');
    expect(logs.map((l) => [l.actionId, l.body.message, l.body.level, l.body.asset_id])).toEqual([
      ['plat-1', 'parsing (5%)', 'info', 'route-9'],
      ['plat-1', 'symmetry (20%)', 'info', 'route-9'],
      ['plat-1', 'Finished: 12 candidates', 'info', 'route-9'],
    ]);
    expect(logs.every((l) => l.authorization?.startsWith('token-'))).toBe(true);
  });

  it('keeps posting while a stage runs long, and stops when the action ends', async () => {
    const reporter = new OuroProgressReporter({ backendUrl: base, apiKey: 'ouro-key', heartbeatMs: 30 });
    const log = reporter.track({ id: 'a2', platform: { action_id: 'plat-2' } })!;
    log.stage('interstitials', 40);
    await until(() => logs.filter((l) => l.body.message.startsWith('Still working: interstitials (40%)')).length >= 2);
    await log.finish('error', 'timeout');
    const count = logs.length;
    expect(logs.at(-1)?.body).toMatchObject({ message: 'Failed: timeout', level: 'error' });
    await new Promise((r) => setTimeout(r, 100));
    expect(logs.length).toBe(count);
  });

  it('exchanges the key again when the platform drops the session', async () => {
    const reporter = new OuroProgressReporter({ backendUrl: base, apiKey: 'ouro-key', heartbeatMs: 60_000 });
    const log = reporter.track({ id: 'a3', platform: { action_id: 'plat-3' } })!;
    log.stage('one', 1);
    await log.flushed();
    const before = tokensIssued;
    rejectNextLog = true;
    log.stage('two', 2);
    await log.finish('success');
    expect(tokensIssued).toBe(before + 1);
    expect(logs.map((l) => l.body.message)).toEqual(['one (1%)', 'two (2%)', 'Finished']);
  });

  it('swallows a refused key instead of failing the job', async () => {
    const reporter = new OuroProgressReporter({ backendUrl: base, apiKey: 'wrong', heartbeatMs: 60_000 });
    const log = reporter.track({ id: 'a4', platform: { action_id: 'plat-4' } })!;
    log.stage('parsing', 1);
    await expect(log.finish('success')).resolves.toBeUndefined();
    expect(logs).toEqual([]);
  });
});
