import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import got, { type Got } from 'got';
import { createSafeLookup } from './lookup.ts';
import { assertSafeAddress, assertSafeUrl, type AddressPolicy } from './rules.ts';

export interface SafeHttpOptions extends AddressPolicy {
  /** Whole-request limit (lookup, connect, upload, response), milliseconds. Default 15 s. */
  timeoutMs?: number;
}

type CreateConnection = (options: object, callback?: (error: Error | null, socket: Duplex) => void) => Duplex | null | undefined;

// Last line of defence after the lookup: judge the peer the socket actually connected to.
function guardConnection(createConnection: CreateConnection, policy: AddressPolicy): CreateConnection {
  return function guarded(this: unknown, options, callback) {
    const socket = createConnection.call(this, options, callback) as Socket | null | undefined;
    socket?.once('connect', () => {
      const address = socket.remoteAddress;
      if (!address) return;
      try {
        assertSafeAddress(address, policy, (options as { host?: string }).host);
      } catch (refusal) {
        socket.destroy(refusal as Error);
      }
    });
    return socket;
  };
}

function guardedAgents(policy: AddressPolicy): { http: http.Agent; https: https.Agent } {
  const httpAgent = new http.Agent({ keepAlive: false });
  const httpsAgent = new https.Agent({ keepAlive: false });
  const agents = httpAgent as unknown as { createConnection: CreateConnection };
  agents.createConnection = guardConnection(agents.createConnection, policy);
  const tlsAgents = httpsAgent as unknown as { createConnection: CreateConnection };
  tlsAgents.createConnection = guardConnection(tlsAgents.createConnection, policy);
  return { http: httpAgent, https: httpsAgent };
}

/**
 * A got instance for contacting user-supplied URLs: http/https only, internal addresses refused
 * (on the URL, on every resolved address and on the connected peer) unless allowPrivate, no retries
 * inside got, no redirects (a 3xx comes back as a response for the caller to treat as a failure),
 * and one overall timeout. Non-2xx answers still throw got's HTTPError unless the caller passes
 * `throwHttpErrors: false`.
 */
export function createSafeHttp(options: SafeHttpOptions = {}): Got {
  const policy: AddressPolicy = { allowPrivate: options.allowPrivate ?? false };
  return got.extend({
    retry: { limit: 0 },
    timeout: { request: options.timeoutMs ?? 15_000 },
    followRedirect: false,
    dnsLookup: createSafeLookup(policy),
    agent: guardedAgents(policy),
    hooks: {
      beforeRequest: [
        (request) => {
          assertSafeUrl(request.url as URL, policy);
        },
      ],
    },
  });
}
