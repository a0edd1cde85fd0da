import { getConfig } from '../config';
import { ForbiddenError } from '../core/errors';
import { authMessages as m } from './messages';
import { permissionsOf } from './permissions';
import { safeEqual } from './secrets';
import { resolveSession } from './sessions';
import { authenticateApiToken } from './tokens';
import type { Principal, RequestMeta } from './types';
import { actorFor } from './users';

/*
 * The HTTP edge of the auth context, on web-standard Requests: cookies, Bearer tokens,
 * the origin check and the CSRF check. Remix adapters (app/utils/*.server.ts) call these.
 */

export const sessionCookieName = 'leitstand_session';
/** Holds the CSRF token of forms sent before there is a session (the sign-in form). */
export const preSessionCsrfCookieName = 'leitstand_csrf';

/** A cookie's value from the Cookie header, or null. */
export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  return null;
}

/** True when the browser reached us over TLS (directly, or through a trusted proxy). */
export function isSecureRequest(request: Request): boolean {
  if (new URL(request.url).protocol === 'https:') return true;
  if (!getConfig().trustProxy) return false;
  const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https';
}

export interface CookieOptions {
  maxAgeSeconds?: number;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure behind TLS. */
export function serializeCookie(request: Request, name: string, value: string, options: CookieOptions = {}): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  if (isSecureRequest(request)) parts.push('Secure');
  return parts.join('; ');
}

/** The session cookie: a browser-session cookie; the server enforces idle and absolute timeouts. */
export function sessionCookieHeader(request: Request, cookieValue: string): string {
  return serializeCookie(request, sessionCookieName, cookieValue);
}

export function clearSessionCookieHeader(request: Request): string {
  return serializeCookie(request, sessionCookieName, '', { maxAgeSeconds: 0 });
}

/** Request id, client address (both set by server/http) and user agent. */
export function requestMeta(request: Request): RequestMeta {
  return {
    requestId: request.headers.get('x-request-id'),
    clientAddress: request.headers.get('x-client-address'),
    userAgent: request.headers.get('user-agent'),
  };
}

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerTokenOf(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** API routes live under /api/; they answer 401 JSON instead of redirecting. */
export function isApiRequest(request: Request): boolean {
  return new URL(request.url).pathname.startsWith('/api/');
}

/**
 * Who is calling. API requests with an Authorization header are judged by it alone (a bad
 * token is refused, never replaced by a cookie); everything else by the session cookie.
 */
export async function authenticateRequest(request: Request): Promise<Principal | null> {
  const meta = requestMeta(request);
  if (isApiRequest(request) && request.headers.has('authorization')) {
    const token = bearerTokenOf(request);
    return token ? authenticateApiToken(token, meta) : null;
  }
  const resolved = await resolveSession(readCookie(request, sessionCookieName));
  if (!resolved) return null;
  return {
    via: 'session',
    user: resolved.user,
    permissions: permissionsOf(resolved.user.roles),
    session: { idHash: resolved.session.idHash, csrfToken: resolved.session.csrfToken, expiresAt: resolved.session.expiresAt },
    actor: actorFor(resolved.user, meta),
  };
}

/**
 * Refuses cross-site mutations by the browser's own headers: Sec-Fetch-Site must be
 * same-origin (or none: typed by the user), and an Origin header must name our host.
 * Hosts are compared without the scheme, because behind a TLS-terminating proxy that is not
 * trusted the request looks like http while the browser says https.
 */
export function isSameOriginRequest(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  if (origin === 'null') return false;
  try {
    return new URL(origin).host === new URL(request.url).host;
  } catch {
    return false;
  }
}

/**
 * The CSRF check for a mutation: same origin, and the submitted token equals the session's
 * synchronizer token (or, before sign-in, the pre-session cookie). Bearer-token requests
 * are exempt: browsers never attach them on their own. Throws ForbiddenError.
 */
export function verifyCsrf(request: Request, principal: Principal | null, submitted: string | null): void {
  if (principal?.via === 'token') return;
  if (!isSameOriginRequest(request)) throw new ForbiddenError(m.crossSite);
  const expected =
    principal?.via === 'session' ? principal.session.csrfToken : readCookie(request, preSessionCsrfCookieName);
  if (!expected || !submitted || !safeEqual(submitted, expected)) throw new ForbiddenError(m.csrf);
}
