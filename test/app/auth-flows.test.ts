import { eq } from 'drizzle-orm';
import { apiTokens } from '../../db/schema/auth';
import * as accountIndex from '../../app/routes/account._index';
import * as accountPassword from '../../app/routes/account.password';
import * as adminUser from '../../app/routes/admin.users.$id';
import * as adminUsersNew from '../../app/routes/admin.users.new';
import * as meRoute from '../../app/routes/api.v1.me';
import * as tokenRoute from '../../app/routes/api.v1.tokens.$id';
import * as tokensRoute from '../../app/routes/api.v1.tokens';
import * as serviceTokensRoute from '../../app/routes/api.v1.tokens.service';
import * as signInRoute from '../../app/routes/sign-in';
import * as signOutRoute from '../../app/routes/sign-out';
import { authMessages, preSessionCsrfCookieName, resolveSession, sessionCookieName } from '../../server/auth';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { auditEventsOf, createTestSession, createTestUser, userRow } from '../support/auth';

/*
 * The auth pages and API routes driven through their loaders and actions with real
 * Requests, as the browser or an API client sends them.
 */

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const base = 'http://leitstand.test';
type Args = { request: Request; params: Record<string, string>; context: object };
type Handler = (args: Args) => unknown;

async function run(fn: Handler | undefined, request: Request, params: Record<string, string> = {}): Promise<Response> {
  try {
    const result = await fn!({ request, params, context: {} });
    return result as Response;
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

function form(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const value of Array.isArray(v) ? v : [v]) body.append(k, value);
  return new Request(`${base}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, 'x-client-address': '203.0.113.9', ...headers },
  });
}

function setCookies(response: Response): string[] {
  return response.headers.getSetCookie();
}

function cookieValue(response: Response, name: string): string | null {
  const line = setCookies(response).find((c) => c.startsWith(`${name}=`));
  return line ? decodeURIComponent(line.slice(name.length + 1).split(';')[0]!) : null;
}

/** Signs in through the page: GET for the pre-session token, then POST the form. */
async function signInThroughPage(username: string, password: string, redirectTo = '') {
  const page = await run(signInRoute.loader as Handler, new Request(`${base}/sign-in`));
  const pre = cookieValue(page, preSessionCsrfCookieName)!;
  const { csrfToken } = (await page.json()) as { csrfToken: string };
  expect(csrfToken).toBe(pre);
  return run(
    signInRoute.action as Handler,
    form('/sign-in', { csrf: csrfToken, username, password, redirectTo }, { cookie: `${preSessionCsrfCookieName}=${pre}` }),
  );
}

describe('sign-in page', () => {
  it('signs in, sets an HttpOnly SameSite=Lax session cookie and returns to where the user was going', async () => {
    const user = await createTestUser({ roles: ['operator'] });
    const response = await signInThroughPage(user.username, user.password, '/models?page=2');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/models?page=2');
    const line = setCookies(response).find((c) => c.startsWith(`${sessionCookieName}=`))!;
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Lax/);
    expect(line).not.toMatch(/Secure/);
    expect(await resolveSession(cookieValue(response, sessionCookieName))).not.toBeNull();
  });

  it('never redirects off-site after sign-in', async () => {
    const user = await createTestUser();
    const response = await signInThroughPage(user.username, user.password, '//evil.test/phish');
    expect(response.headers.get('location')).toBe('/');
  });

  it('sends a user with a one-time password to the password change first', async () => {
    const user = await createTestUser({ mustChangePassword: true });
    const response = await signInThroughPage(user.username, user.password, '/admin/users');
    expect(response.headers.get('location')).toBe('/account/password');
    const cookie = `${sessionCookieName}=${encodeURIComponent(cookieValue(response, sessionCookieName)!)}`;
    // Any other page bounces to the change until it is done…
    const elsewhere = await run(accountIndex.loader as Handler, new Request(`${base}/account`, { headers: { cookie } }));
    expect(elsewhere.status).toBe(302);
    expect(elsewhere.headers.get('location')).toBe('/account/password');
    // …the change page itself opens and says why.
    const page = await run(accountPassword.loader as Handler, new Request(`${base}/account/password`, { headers: { cookie } }));
    expect(await page.json()).toMatchObject({ forced: true });
  });

  it('answers a wrong password with 400 and the generic message, and a lock with 429 and Retry-After', async () => {
    const user = await createTestUser();
    const wrong = await signInThroughPage(user.username, 'not the password');
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ formError: authMessages.invalidCredentials });
    // Four more wrong passwords make five: the account locks.
    for (let i = 0; i < 4; i += 1) await signInThroughPage(user.username, `still wrong ${i}`);
    const locked = await signInThroughPage(user.username, user.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await locked.json()) as { retryAfter: number };
    expect(body.retryAfter).toBe(Number(locked.headers.get('retry-after')));
  });

  it('refuses a sign-in form without the pre-session token (login CSRF)', async () => {
    const user = await createTestUser();
    const response = await run(signInRoute.action as Handler, form('/sign-in', { username: user.username, password: user.password }));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ formError: authMessages.csrf });
    expect(setCookies(response).some((c) => c.startsWith(`${sessionCookieName}=`))).toBe(false);
  });

  it('sends a signed-in visitor straight on', async () => {
    const user = await createTestUser();
    const session = await createTestSession(user);
    const response = await run(
      signInRoute.loader as Handler,
      new Request(`${base}/sign-in?redirectTo=%2Faudit`, { headers: { cookie: session.cookie } }),
    );
    expect(response.headers.get('location')).toBe('/audit');
  });
});

describe('CSRF on page forms', () => {
  it('refuses a mutation without the session token, with a foreign token, and from another origin', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const session = await createTestSession(admin);
    const fields = { username: 'csrf-victim', displayName: 'Victim', roles: 'auditor' };
    const missing = await run(adminUsersNew.action as Handler, form('/admin/users/new', fields, { cookie: session.cookie }));
    expect(missing.status).toBe(403);
    const other = await createTestSession(admin);
    const foreign = await run(
      adminUsersNew.action as Handler,
      form('/admin/users/new', { ...fields, csrf: other.csrfToken }, { cookie: session.cookie }),
    );
    expect(foreign.status).toBe(403);
    const crossSite = await run(
      adminUsersNew.action as Handler,
      form('/admin/users/new', { ...fields, csrf: session.csrfToken }, { cookie: session.cookie, origin: 'https://evil.test' }),
    );
    expect(crossSite.status).toBe(403);
    expect(await auditEventsOf({ action: 'user.create' })).toHaveLength(0);
    const ok = await run(
      adminUsersNew.action as Handler,
      form('/admin/users/new', { ...fields, csrf: session.csrfToken }, { cookie: session.cookie }),
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, created: { username: 'csrf-victim' } });
  });
});

describe('user administration pages', () => {
  it('shows field errors with a 400 and writes nothing on bad input', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const session = await createTestSession(admin);
    const response = await run(
      adminUsersNew.action as Handler,
      form('/admin/users/new', { csrf: session.csrfToken, username: 'x', displayName: '', email: 'nope' }, { cookie: session.cookie }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { fieldErrors: Record<string, string[]> };
    expect(Object.keys(body.fieldErrors).sort()).toEqual(['displayName', 'email', 'roles', 'username']);
  });

  it('changes roles, deactivates (ending sessions), refuses removing the last admin, and reactivates', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const adminSession = await createTestSession(admin);
    const target = await createTestUser({ roles: ['auditor'] });
    const targetSession = await createTestSession(target);
    const post = (fields: Record<string, string | string[]>) =>
      run(adminUser.action as Handler, form(`/admin/users/${target.id}`, { csrf: adminSession.csrfToken, ...fields }, { cookie: adminSession.cookie }), {
        id: target.id,
      });
    expect((await post({ intent: 'roles', roles: ['operator', 'manager'] })).status).toBe(200);
    expect((await userRow(target.id))!.roles).toEqual(['operator', 'manager']);
    const deactivated = await post({ intent: 'deactivate' });
    expect(await deactivated.json()).toMatchObject({ ok: true, sessionsEnded: 1 });
    expect(await resolveSession(targetSession.cookieValue)).toBeNull();
    expect((await post({ intent: 'reactivate' })).status).toBe(200);
    expect((await userRow(target.id))!.active).toBe(true);
    const reset = (await (await post({ intent: 'reset-password' })).json()) as { oneTimePassword: string };
    expect(reset.oneTimePassword).toMatch(/^[0-9A-Za-z]{20}$/);
  });

  it('answers 404 for an unknown user id', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const session = await createTestSession(admin);
    const id = crypto.randomUUID();
    const response = await run(adminUser.loader as Handler, new Request(`${base}/admin/users/${id}`, { headers: { cookie: session.cookie } }), { id });
    expect(response.status).toBe(404);
  });
});

describe('account pages', () => {
  it('changes the password through the form and keeps this session', async () => {
    const user = await createTestUser({ mustChangePassword: true });
    const session = await createTestSession(user);
    const response = await run(
      accountPassword.action as Handler,
      form(
        '/account/password',
        { csrf: session.csrfToken, currentPassword: user.password, newPassword: 'my own passphrase now', confirmPassword: 'my own passphrase now' },
        { cookie: session.cookie },
      ),
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/');
    expect((await resolveSession(session.cookieValue))?.user.mustChangePassword).toBe(false);
  });

  it('signs out everywhere and clears the cookie', async () => {
    const user = await createTestUser();
    const a = await createTestSession(user);
    const b = await createTestSession(user);
    const response = await run(
      accountIndex.action as Handler,
      form('/account', { csrf: a.csrfToken, intent: 'sign-out-everywhere' }, { cookie: a.cookie }),
    );
    expect(response.headers.get('location')).toBe('/sign-in');
    expect(setCookies(response).join()).toMatch(new RegExp(`${sessionCookieName}=; .*Max-Age=0`));
    expect(await resolveSession(a.cookieValue)).toBeNull();
    expect(await resolveSession(b.cookieValue)).toBeNull();
  });

  it('signs out this session only', async () => {
    const user = await createTestUser();
    const a = await createTestSession(user);
    const b = await createTestSession(user);
    const response = await run(signOutRoute.action as Handler, form('/sign-out', { csrf: a.csrfToken }, { cookie: a.cookie }));
    expect(response.headers.get('location')).toBe('/sign-in');
    expect(await resolveSession(a.cookieValue)).toBeNull();
    expect(await resolveSession(b.cookieValue)).not.toBeNull();
  });
});

describe('API', () => {
  function api(path: string, init: RequestInit & { token?: string } = {}) {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.body) headers.set('content-type', 'application/json');
    return new Request(`${base}${path}`, { ...init, headers });
  }

  it('creates a personal token with a session (CSRF header), then the token works as Bearer', async () => {
    const user = await createTestUser({ roles: ['operator'] });
    const session = await createTestSession(user);
    const body = JSON.stringify({ name: 'cli', scopes: ['models:read', 'tokens:write'], expiresInDays: 30 });
    const noCsrf = await run(tokensRoute.action as Handler, api('/api/v1/tokens', { method: 'POST', body, headers: { cookie: session.cookie } }));
    expect(noCsrf.status).toBe(403);
    const created = await run(
      tokensRoute.action as Handler,
      api('/api/v1/tokens', { method: 'POST', body, headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, origin: base } }),
    );
    expect(created.status).toBe(201);
    const { token, id, prefix } = (await created.json()) as { token: string; id: string; prefix: string };
    expect(token.startsWith(prefix)).toBe(true);

    const me = await run(meRoute.loader as Handler, api('/api/v1/me', { token }));
    expect(await me.json()).toMatchObject({
      kind: 'user',
      via: 'token',
      user: { username: user.username, roles: ['operator'] },
      permissions: ['tokens:write', 'models:read'], // in declared order
      token: { id, status: 'active' },
    });

    const list = (await (await run(tokensRoute.loader as Handler, api('/api/v1/tokens', { token }))).json()) as { tokens: { id: string }[] };
    expect(list.tokens.map((t) => t.id)).toEqual([id]);
    expect(JSON.stringify(list)).not.toContain(token);

    const revoked = await run(tokenRoute.action as Handler, api(`/api/v1/tokens/${id}`, { method: 'DELETE', token }), { id });
    expect(await revoked.json()).toMatchObject({ id, status: 'revoked' });
    const after = await run(meRoute.loader as Handler, api('/api/v1/me', { token }));
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers bad token input with 400 and English field errors', async () => {
    const user = await createTestUser({ roles: ['operator'] });
    const session = await createTestSession(user);
    const response = await run(
      tokensRoute.action as Handler,
      api('/api/v1/tokens', {
        method: 'POST',
        body: JSON.stringify({ name: '', scopes: ['users:write'], expiresInDays: 500 }),
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
      }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { fieldErrors: Record<string, string[]> };
    expect(body.fieldErrors.name).toEqual(['Give the token a name of up to 100 characters.']);
    expect(body.fieldErrors.expiresInDays).toEqual(['Choose an expiry between one hour and one year from now.']);
    expect(await database.db.select().from(apiTokens).where(eq(apiTokens.name, ''))).toHaveLength(0);
  });

  it('lets an admin mint a service token for the gateway, which /me describes as a service', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const session = await createTestSession(admin);
    const created = await run(
      serviceTokensRoute.action as Handler,
      api('/api/v1/tokens/service', {
        method: 'POST',
        body: JSON.stringify({ name: 'gateway', scopes: ['usage:ingest'], expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString() }),
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
      }),
    );
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const me = (await (await run(meRoute.loader as Handler, api('/api/v1/me', { token }))).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ kind: 'service', user: null, permissions: ['usage:ingest'] });
  });

  it('answers 401 without credentials and for a malformed Authorization header', async () => {
    expect((await run(meRoute.loader as Handler, api('/api/v1/me'))).status).toBe(401);
    expect((await run(meRoute.loader as Handler, api('/api/v1/me', { headers: { authorization: 'Bearer' } }))).status).toBe(401);
  });
});
