import {
  authenticateRequest,
  createApiToken,
  isSameOriginRequest,
  isSecureRequest,
  preSessionCsrfCookieName,
  readCookie,
  sessionCookieHeader,
  verifyCsrf,
} from '../../../server/auth';
import { type Config, getConfig } from '../../../server/config';
import { setSingleton } from '../../../server/core/singleton';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createTestSession, createTestUser, sessionPrincipal } from '../../support/auth';

let database: TestDatabase;
let original: Config;
beforeAll(async () => {
  database = await createTestDatabase();
  original = getConfig();
});
afterAll(() => database.close());
afterEach(() => setSingleton('config', original));

function withTrustProxy(trustProxy: boolean) {
  setSingleton('config', { ...original, trustProxy });
}

function post(url: string, headers: Record<string, string> = {}) {
  return new Request(url, { method: 'POST', headers });
}

describe('cookies', () => {
  it('reads one cookie among several and decodes it', () => {
    const request = new Request('http://x/', { headers: { cookie: 'a=1; leitstand_session=abc%2Bdef; b=2' } });
    expect(readCookie(request, 'leitstand_session')).toBe('abc+def');
    expect(readCookie(request, 'missing')).toBeNull();
  });

  it('marks the session cookie HttpOnly and SameSite=Lax, and Secure only behind TLS', () => {
    const plain = sessionCookieHeader(new Request('http://x/'), 'v');
    expect(plain).toContain('HttpOnly');
    expect(plain).toContain('SameSite=Lax');
    expect(plain).not.toContain('Secure');
    expect(sessionCookieHeader(new Request('https://x/'), 'v')).toContain('Secure');
  });

  it('believes X-Forwarded-Proto only when the proxy is trusted', () => {
    const forwarded = new Request('http://x/', { headers: { 'x-forwarded-proto': 'https' } });
    withTrustProxy(false);
    expect(isSecureRequest(forwarded)).toBe(false);
    withTrustProxy(true);
    expect(isSecureRequest(forwarded)).toBe(true);
    expect(sessionCookieHeader(forwarded, 'v')).toContain('Secure');
  });
});

describe('isSameOriginRequest', () => {
  it.each([
    ['no Origin and no Sec-Fetch-Site (older clients)', {}, true],
    ['our own origin', { origin: 'http://leitstand.test' }, true],
    ['our host over https (TLS ended at an untrusted proxy)', { origin: 'https://leitstand.test' }, true],
    ['same-origin fetch metadata', { 'sec-fetch-site': 'same-origin', origin: 'http://leitstand.test' }, true],
    ['a navigation the user typed', { 'sec-fetch-site': 'none' }, true],
    ['another origin', { origin: 'http://evil.test' }, false],
    ['a sibling subdomain', { 'sec-fetch-site': 'same-site', origin: 'http://a.leitstand.test' }, false],
    ['cross-site fetch metadata without Origin', { 'sec-fetch-site': 'cross-site' }, false],
    ['an opaque origin', { origin: 'null' }, false],
    ['another port', { origin: 'http://leitstand.test:8080' }, false],
  ])('%s → %s', (_name, headers, expected) => {
    expect(isSameOriginRequest(post('http://leitstand.test/admin/users', headers))).toBe(expected);
  });
});

describe('verifyCsrf', () => {
  it('accepts the session’s token and refuses a missing or different one', async () => {
    const user = await createTestUser({ roles: ['admin'] });
    const session = await createTestSession(user);
    const request = post('http://x/a', { cookie: session.cookie, origin: 'http://x' });
    const principal = await authenticateRequest(request);
    expect(() => verifyCsrf(request, principal, session.csrfToken)).not.toThrow();
    expect(() => verifyCsrf(request, principal, null)).toThrow(/auth.error.csrf/);
    expect(() => verifyCsrf(request, principal, `${session.csrfToken}x`)).toThrow(/auth.error.csrf/);
    // Another session's token does not fit this session.
    const other = await createTestSession(user);
    expect(() => verifyCsrf(request, principal, other.csrfToken)).toThrow(/auth.error.csrf/);
  });

  it('refuses a cross-site request even with the right token', async () => {
    const user = await createTestUser({ roles: ['admin'] });
    const session = await createTestSession(user);
    const request = post('http://x/a', { cookie: session.cookie, origin: 'http://evil.test' });
    const principal = await authenticateRequest(request);
    expect(() => verifyCsrf(request, principal, session.csrfToken)).toThrow(/auth.error.crossSite/);
  });

  it('before sign-in, compares the form token with the pre-session cookie', () => {
    const request = post('http://x/sign-in', { cookie: `${preSessionCsrfCookieName}=pre-token`, origin: 'http://x' });
    expect(() => verifyCsrf(request, null, 'pre-token')).not.toThrow();
    expect(() => verifyCsrf(request, null, 'other')).toThrow(/auth.error.csrf/);
    expect(() => verifyCsrf(post('http://x/sign-in'), null, 'pre-token')).toThrow(/auth.error.csrf/);
    expect(() => verifyCsrf(post('http://x/sign-in'), null, '')).toThrow(/auth.error.csrf/);
  });

  it('exempts Bearer-token calls, which carry no ambient credentials', async () => {
    const user = await createTestUser({ roles: ['operator'] });
    const { token } = await createApiToken(sessionPrincipal(user), 'personal', { name: 't', scopes: ['models:read'], expiresInDays: 1 });
    const request = post('http://x/api/v1/tokens', { authorization: `Bearer ${token}`, origin: 'http://evil.test' });
    const principal = await authenticateRequest(request);
    expect(principal?.via).toBe('token');
    expect(() => verifyCsrf(request, principal, null)).not.toThrow();
  });
});

describe('authenticateRequest', () => {
  it('uses the session cookie on pages and ignores Bearer headers there', async () => {
    const user = await createTestUser({ roles: ['manager'] });
    const session = await createTestSession(user);
    const principal = await authenticateRequest(
      new Request('http://x/usage', { headers: { cookie: session.cookie, authorization: 'Bearer lst_nonsense' } }),
    );
    expect(principal?.via).toBe('session');
    expect(principal?.user?.id).toBe(user.id);
    expect(principal?.permissions).toContain('usage:read');
  });

  it('on API routes, judges an Authorization header alone: a bad token is not rescued by a cookie', async () => {
    const user = await createTestUser({ roles: ['manager'] });
    const session = await createTestSession(user);
    const bad = await authenticateRequest(
      new Request('http://x/api/v1/me', { headers: { cookie: session.cookie, authorization: 'Bearer lst_nonsense' } }),
    );
    expect(bad).toBeNull();
    const basic = await authenticateRequest(new Request('http://x/api/v1/me', { headers: { authorization: 'Basic abc' } }));
    expect(basic).toBeNull();
    const cookieOnly = await authenticateRequest(new Request('http://x/api/v1/me', { headers: { cookie: session.cookie } }));
    expect(cookieOnly?.via).toBe('session');
  });

  it('records request id and client address on the audit actor', async () => {
    const user = await createTestUser({ roles: ['dpo'] });
    const session = await createTestSession(user);
    const principal = await authenticateRequest(
      new Request('http://x/', { headers: { cookie: session.cookie, 'x-request-id': 'req-7', 'x-client-address': '198.51.100.4' } }),
    );
    expect(principal?.actor).toEqual({ id: user.id, name: user.username, roles: ['dpo'], requestId: 'req-7', clientAddress: '198.51.100.4' });
  });
});
