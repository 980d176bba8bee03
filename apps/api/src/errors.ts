import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isRedisOutOfMemory, isRedisUnavailable } from '@defect-candidates/service/redis';

export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * Every error answer has one shape: `{ error: { code, message, issues? } }`, with `issues`
 * listing each offending field when there are several.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: FieldIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) } };
  }
}

export const notFound = (what = 'resource') => new HttpError(404, 'not_found', `No such ${what}`);

export function invalidRequest(issues: FieldIssue[]): HttpError {
  const n = issues.length;
  const summary = issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ');
  return new HttpError(422, 'invalid_request', `${n} invalid field${n === 1 ? '' : 's'}: ${summary}`, issues);
}

export const unmatchedRoute: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/** Turns whatever was thrown into the JSON error shape; never leaks a stack. */
export function errorHandler(bodyLimitBytes: number): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let http: HttpError;
    const e = err as BodyParserError;
    if (err instanceof HttpError) {
      http = err;
    } else if (e?.type === 'entity.too.large') {
      http = new HttpError(413, 'payload_too_large', `The request body is larger than the limit of ${bodyLimitBytes} bytes; send the structure by URL (\`file.url\`) instead`);
    } else if (e?.type === 'entity.parse.failed') {
      http = new HttpError(400, 'invalid_json', `The request body is not valid JSON: ${e.message}`);
    } else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
      http = new HttpError(415, 'unsupported_encoding', e.message);
    } else if (e?.type === 'request.aborted') {
      http = new HttpError(400, 'request_aborted', 'The client aborted the request');
    } else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      http = new HttpError(e.status, 'bad_request', e.message);
    } else if (isRedisOutOfMemory(err)) {
      http = new HttpError(503, 'unavailable', 'The service\'s Redis store is full and refuses new work right now; retry later', undefined, { 'retry-after': '30' });
    } else if (isRedisUnavailable(err)) {
      http = new HttpError(503, 'unavailable', 'The service cannot reach its Redis store right now; retry shortly', undefined, { 'retry-after': '2' });
    } else {
      req.log?.error({ err }, 'unhandled error');
      http = new HttpError(500, 'internal', 'Internal error; the request id in `x-request-id` identifies it in the logs');
    }
    if (http.status >= 500 && http.status !== 500) req.log?.warn({ err: (err as Error)?.message, status: http.status }, http.message);
    if (res.headersSent) {
      res.end();
      return;
    }
    for (const [k, v] of Object.entries(http.headers)) res.setHeader(k, v);
    res.status(http.status).json(http.toJSON());
  };
}
