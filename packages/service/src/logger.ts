import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Credentials that may ride along in headers or action metadata. Paths cover pino-http's `req`
 * serialisation and our own log objects (`platform.webhook_token`, a bare `authorization`).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["ouro-webhook-token"]',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["ouro-webhook-token"]',
  'authorization',
  'webhook_token',
  '*.webhook_token',
  '*.authorization',
  'platform.webhook_token',
  'action.platform.webhook_token',
  '*.secret',
  'secret',
];

export function createLogger(options: { level: string; name: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
