import { useLeitstand } from '../support/e2e/fixture';
import { parseForms, signInOverHttp } from '../support/e2e/http-session';

// The HTTP edge of the real server, without a browser: runs even where Chromium is missing.
describe('HTTP edge of the running server', () => {
  const e2e = useLeitstand({ browser: false });

  it('answers the probes and exposes metrics', async () => {
    expect((await fetch(`${e2e.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${e2e.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const metrics = await (await fetch(`${e2e.url}/metrics`)).text();
    expect(metrics).toContain('http_request_duration_seconds');
  });

  it('sends the security headers, with a fresh CSP nonce that the page scripts carry', async () => {
    const first = await fetch(`${e2e.url}/sign-in`);
    const second = await fetch(`${e2e.url}/sign-in`);
    expect(first.status).toBe(200);
    const csp = first.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce, `CSP without nonce: ${csp}`).toBeTruthy();
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(second.headers.get('content-security-policy')).not.toContain(nonce!);
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(first.headers.get('x-frame-options')).toBe('DENY');
    expect(first.headers.get('referrer-policy')).toBe('same-origin');
    expect(first.headers.get('x-powered-by')).toBeNull();
    expect(first.headers.get('x-request-id')).toMatch(/^[\w.-]{8,64}$/);
    // Every inline script of the page carries this response's nonce, else the browser drops it.
    const html = await first.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attributes of scripts) {
      if (/\ssrc=/.test(attributes)) continue;
      expect(attributes).toContain(`nonce="${nonce}"`);
    }
  });

  it('refuses a body over the limit with 413 before any work', async () => {
    const body = new Uint8Array(1024 * 1024 + 512 * 1024);
    const res = await fetch(`${e2e.url}/api/v1/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/larger than the limit/);
  });

  it('accepts a body just under the limit (the 413 is about size, not method)', async () => {
    const res = await fetch(`${e2e.url}/api/v1/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(1000) }),
    });
    expect(res.status).not.toBe(413);
  });

  it('answers API calls without credentials with 401 JSON, never a redirect', async () => {
    const res = await fetch(`${e2e.url}/api/v1/me`, { redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/json/);
    const bogus = await fetch(`${e2e.url}/api/v1/me`, { headers: { authorization: 'Bearer not-a-token' }, redirect: 'manual' });
    expect(bogus.status).toBe(401);
  });

  it('sends signed-out page requests to the sign-in page, keeping where they wanted to go', async () => {
    const res = await fetch(`${e2e.url}/audit?page=2`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!, e2e.url);
    expect(location.pathname).toBe('/sign-in');
    expect(location.searchParams.get('redirectTo')).toBe('/audit?page=2');
  });

  it('signs in through the forms alone (forced password change included) and serves the API to that session', async () => {
    const session = await signInOverHttp(e2e.url, 'admin', e2e.adminPassword, { newPassword: 'http-Changed-Admin-pw-3' });
    e2e.adminPassword = 'http-Changed-Admin-pw-3';
    const me = await session.request('/api/v1/me');
    expect(me.status).toBe(200);
    expect(JSON.stringify(await me.json())).toContain('"admin"');
    // The old password no longer works; the new one does.
    await expect(signInOverHttp(e2e.url, 'admin', 'e2e-initial-Admin-pw-1')).rejects.toThrow(/refused/);
    await signInOverHttp(e2e.url, 'admin', 'http-Changed-Admin-pw-3');
  });

  it('refuses a form post without the CSRF token, and one from another site', async () => {
    const session = await signInOverHttp(e2e.url, 'admin', e2e.adminPassword);
    const page = await session.get('/account');
    const signOut = parseForms(page.html).find((f) => f.action === '/sign-out');
    expect(signOut?.fields.csrf).toBeTruthy();
    const forged = await session.submit('/account', signOut!, { csrf: 'not-the-token' });
    expect(forged.status).toBe(403);
    const crossSite = await session.request('/sign-out', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: new URLSearchParams({ csrf: signOut!.fields.csrf ?? '' }),
    });
    expect(crossSite.status).toBe(403);
    // Still signed in: neither request ended the session.
    expect((await session.request('/api/v1/me')).status).toBe(200);
  });
});
