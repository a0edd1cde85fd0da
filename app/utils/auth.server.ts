import { json, redirect } from '@remix-run/node';
import { translateServerMessage } from '~/i18n/use-t';
import {
  type ApiTokenInfo,
  type AuthUser,
  authMessages,
  authenticateRequest,
  clearSessionCookieHeader,
  isApiRequest,
  type Permission,
  type Principal,
  preSessionCsrfCookieName,
  randomSecret,
  readCookie,
  requestMeta,
  serializeCookie,
  sessionCookieHeader,
  sessionCookieName,
  tokenStatus,
} from '../../server/auth';
import type { AuditActor } from '../../server/audit';
import { isAppError } from '../../server/core/errors';

/*
 * The Remix adapter of the auth context. Every loader and action starts with requireUser or
 * requirePermission. Pages get a redirect to /sign-in when nobody is signed in, API routes
 * (/api/…) a 401 JSON answer; a missing permission is 403 for both.
 */

/**
 * What a route declares in `handle.permission` ('user': any signed-in caller; 'public': no
 * sign-in). `handle.actionPermission`, when present, is what its action needs instead.
 */
export type RouteAccess = Permission | 'user' | 'public';

export interface RouteHandle {
  permission: RouteAccess;
  actionPermission?: RouteAccess;
}

/** A signed-in person and what their roles allow. */
export type SessionUser = AuthUser & { permissions: Permission[] };

/** Where a user with a one-time password must go, and what they may still reach. */
export const passwordChangePath = '/account/password';
const allowedDuringForcedChange = new Set([passwordChangePath, '/sign-out', '/language']);

const principals = new WeakMap<Request, Promise<Principal | null>>();

/** Who is calling (session or Bearer token), looked up once per request. */
export function getPrincipal(request: Request): Promise<Principal | null> {
  let found = principals.get(request);
  if (!found) {
    found = authenticateRequest(request);
    principals.set(request, found);
  }
  return found;
}

function withPermissions(user: AuthUser, permissions: Permission[]): SessionUser {
  return { ...user, permissions };
}

/** The signed-in person, or null (also null for service tokens). */
export async function getUser(request: Request): Promise<SessionUser | null> {
  const principal = await getPrincipal(request);
  return principal?.user ? withPermissions(principal.user, principal.permissions) : null;
}

/** The English text of a message key (API answers are in English). */
export function englishMessage(key: string): string {
  return translateServerMessage('en', key);
}

/** The sign-in page, remembering where to come back to. */
export function signInPath(request: Request): string {
  const url = new URL(request.url);
  url.searchParams.delete('_data');
  const back = request.method === 'GET' ? `${url.pathname}${url.search}` : url.pathname;
  return back === '/' ? '/sign-in' : `/sign-in?redirectTo=${encodeURIComponent(back)}`;
}

function unauthorized(request: Request): Response {
  if (isApiRequest(request)) {
    return json(
      { error: englishMessage(authMessages.signInRequired), messageKey: authMessages.signInRequired },
      { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="leitstand"' } },
    );
  }
  return redirect(signInPath(request));
}

/** A 403 answer naming what is missing. */
export function forbidden(messageKey: string, permission?: string): Response {
  return json(
    { error: englishMessage(messageKey), messageKey, ...(permission ? { permission } : {}) },
    { status: 403 },
  );
}

function enforcePasswordChange(request: Request, principal: Principal): void {
  if (principal.via !== 'session' || !principal.user.mustChangePassword) return;
  if (allowedDuringForcedChange.has(new URL(request.url).pathname)) return;
  if (isApiRequest(request)) throw forbidden(authMessages.passwordChangeRequired);
  throw redirect(passwordChangePath);
}

export interface Authorized {
  /** The person calling; null only for service tokens (API routes). */
  user: SessionUser | null;
  actor: AuditActor;
  principal: Principal;
}

/** Requires a signed-in person (session, or a personal token on API routes). */
export async function requireUser(request: Request): Promise<Authorized & { user: SessionUser }> {
  const principal = await getPrincipal(request);
  if (!principal) throw unauthorized(request);
  if (!principal.user) throw forbidden(authMessages.personRequired);
  enforcePasswordChange(request, principal);
  return { user: withPermissions(principal.user, principal.permissions), actor: principal.actor, principal };
}

/** Requires any authenticated caller: a person, or on API routes also a service token. */
export async function requireCaller(request: Request): Promise<Authorized> {
  const principal = await getPrincipal(request);
  if (!principal) throw unauthorized(request);
  enforcePasswordChange(request, principal);
  return {
    user: principal.user ? withPermissions(principal.user, principal.permissions) : null,
    actor: principal.actor,
    principal,
  };
}

/** Requires a caller holding the permission (through their roles, or a token's scopes). */
export async function requirePermission(request: Request, permission: Permission): Promise<Authorized> {
  const principal = await getPrincipal(request);
  if (!principal) throw unauthorized(request);
  enforcePasswordChange(request, principal);
  if (!principal.permissions.includes(permission)) throw forbidden(authMessages.forbidden, permission);
  return {
    user: principal.user ? withPermissions(principal.user, principal.permissions) : null,
    actor: principal.actor,
    principal,
  };
}

/** For the root loader: who is signed in and the CSRF token the page's forms carry. */
export async function getAuthShell(request: Request): Promise<{
  user: Pick<SessionUser, 'id' | 'username' | 'displayName' | 'roles' | 'permissions' | 'mustChangePassword' | 'locale'> | null;
  csrfToken: string | null;
}> {
  const principal = await getPrincipal(request);
  if (principal?.via !== 'session') return { user: null, csrfToken: null };
  const u = principal.user;
  return {
    user: {
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      roles: u.roles,
      permissions: principal.permissions,
      mustChangePassword: u.mustChangePassword,
      locale: u.locale,
    },
    csrfToken: principal.session.csrfToken,
  };
}

/**
 * The CSRF token for a form shown before sign-in, with the Set-Cookie header that stores
 * it when the browser has none yet (double-submit: parseForm compares the two).
 */
export function preSessionCsrf(request: Request): { csrfToken: string; headers: HeadersInit } {
  const existing = readCookie(request, preSessionCsrfCookieName);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { csrfToken: existing, headers: {} };
  const csrfToken = randomSecret(32);
  return { csrfToken, headers: { 'Set-Cookie': serializeCookie(request, preSessionCsrfCookieName, csrfToken) } };
}

/** Headers that set the session cookie after sign-in and drop the pre-session CSRF cookie. */
export function signedInHeaders(request: Request, cookieValue: string): Headers {
  const headers = new Headers();
  headers.append('Set-Cookie', sessionCookieHeader(request, cookieValue));
  headers.append('Set-Cookie', serializeCookie(request, preSessionCsrfCookieName, '', { maxAgeSeconds: 0 }));
  return headers;
}

/** Headers that clear the session cookie. */
export function signedOutHeaders(request: Request): Headers {
  return new Headers({ 'Set-Cookie': clearSessionCookieHeader(request) });
}

/** The raw session cookie of a request (to end it at sign-in: session-id rotation). */
export function sessionCookieOf(request: Request): string | null {
  return readCookie(request, sessionCookieName);
}

/** A local path to return to after sign-in; anything else becomes '/'. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = '/'): string {
  if (typeof to !== 'string' || !to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\')) return fallback;
  return to;
}

/**
 * Runs an API route's work and answers typed errors as JSON in English: `{ error,
 * messageKey, fieldErrors? }` with the right status (field errors as English texts too),
 * plus whatever `details` adds for the error (a context's facts about a refusal).
 */
export async function apiWork(request: Request, work: () => Promise<Response>, details?: (error: unknown) => Record<string, unknown> | undefined): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Response) return error;
    if (!isAppError(error)) throw error;
    const body: Record<string, unknown> = { error: englishMessage(error.message), messageKey: error.message };
    if ('fieldErrors' in error) {
      body.fieldErrors = Object.fromEntries(
        Object.entries(error.fieldErrors as Record<string, string[]>).map(([k, v]) => [k, v.map(englishMessage)]),
      );
    }
    if ('permission' in error && error.permission) body.permission = error.permission;
    Object.assign(body, details?.(error));
    const requestId = requestMeta(request).requestId;
    if (requestId) body.requestId = requestId;
    const headers = new Headers();
    if ('retryAfter' in error) headers.set('Retry-After', String(error.retryAfter));
    return json(body, { status: error.status, headers });
  }
}

/** Tokens as pages show them: dates as ISO strings, the status computed now, no secrets. */
export function tokenRows(tokens: ApiTokenInfo[], now = new Date()) {
  return tokens.map((token) => ({
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes as string[],
    expiresAt: token.expiresAt.toISOString(),
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    status: tokenStatus(token, now),
  }));
}

/** A token as the API returns it (never the secret after creation). */
export function tokenJson(token: ApiTokenInfo, now = new Date()) {
  return {
    id: token.id,
    name: token.name,
    kind: token.kind,
    prefix: token.prefix,
    scopes: token.scopes,
    expiresAt: token.expiresAt.toISOString(),
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    status: tokenStatus(token, now),
  };
}

/** 405 for a method the API route does not offer. */
export function methodNotAllowed(allowed: string[]): Response {
  return json(
    { error: `Method not allowed; use ${allowed.join(' or ')}.` },
    { status: 405, headers: { Allow: allowed.join(', ') } },
  );
}

/** The account and administration pages' door to server/auth (route modules import server code only through adapters). */
export {
  authMessages,
  changeOwnPassword,
  changePasswordSchema,
  countSessions,
  createApiToken,
  createTokenSchema,
  createUser,
  createUserSchema,
  deactivateUser,
  endAllSessions,
  endSession,
  getApiToken,
  listApiTokens,
  listExternalIdentities,
  listUsers,
  passwordMinLength,
  permissions,
  reactivateUser,
  requestMeta,
  requireUserById,
  resetUserPassword,
  revokeApiToken,
  roles,
  setRolesSchema,
  setUserRoles,
  signIn,
  signInSchema,
  type Role,
  userSortKeys,
} from '../../server/auth';
