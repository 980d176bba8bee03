import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver, WebhookEnv } from './support.ts';

let env: WebhookEnv;

beforeAll(async () => {
  env = await WebhookEnv.start({ allowPrivateUrls: false });
});

afterAll(async () => {
  await env?.stop();
});

describe('webhook URLs on internal addresses', () => {
  it.each(['http://127.0.0.1:PORT/hook', 'http://localhost:PORT/hook', 'http://[::ffff:127.0.0.1]:PORT/hook'])(
    'refuses %s at once, without retrying, when private URLs are not allowed',
    async (template) => {
      const receiver = await new Receiver().start();
      try {
        const id = await env.finishAction({ webhook_url: template.replace('PORT', String(receiver.port)) });
        const state = await env.settled(id, 'failed');
        expect(receiver.requests).toHaveLength(0);
        expect(state.attempts).toHaveLength(1);
        expect(state.last_error).toMatch(/loopback address.*ALLOW_PRIVATE_URLS=true/);
      } finally {
        await receiver.stop();
      }
    },
  );
});
