import type { RequestHandler, Response } from 'express';
import type { ApiKeyring, Principal, Role } from '@defect-candidates/service/auth/keys';
import { HttpError } from './errors.ts';

const unauthorized = (message: string) =>
  new HttpError(401, 'unauthorized', message, undefined, { 'www-authenticate': 'Bearer realm="defect-candidates"' });

/**
 * `Authorization: Bearer <api key>` for clients and operators; `Authorization: Basic <secret>`
 * (the raw OURO_SERVICE_SECRET, not base64 of user:password) for the Ouro platform.
 */
export function authenticate(keyring: ApiKeyring): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) return next(unauthorized('Missing credentials: send `Authorization: Bearer <api key>`'));
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
    const secret = space > 0 ? header.slice(space + 1).trim() : '';
    let principal: Principal | null = null;
    if (scheme === 'bearer' && secret) principal = keyring.authenticateKey(secret);
    else if (scheme === 'basic' && secret) principal = keyring.authenticatePlatform(secret);
    else return next(unauthorized('Unsupported authorization scheme: send `Authorization: Bearer <api key>`'));
    if (!principal) return next(unauthorized('Invalid credentials'));
    res.locals.principal = principal;
    req.log = req.log?.child({ caller: principal.name });
    next();
  };
}

export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new HttpError(401, 'unauthorized', 'Missing credentials');
  return p;
}

/** Allows only the given roles; others get 403. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const p = principalOf(res);
    if (!roles.includes(p.role)) return next(new HttpError(403, 'forbidden', `This endpoint needs the ${roles.join(' or ')} role`));
    next();
  };
}

/** Operators see every action; everyone else only their own. */
export function canSee(principal: Principal, owner: string): boolean {
  return principal.role === 'operator' || principal.name === owner;
}
