import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../server/config';
import { type RunningServer, startServer } from '../../../server/http/server';
import { createTestDatabase, type TestDatabase } from '../../support/database';

let database: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = parseConfig({ PORT: '0', HOST: '127.0.0.1', LEITSTAND_BODY_LIMIT: '64kb', NODE_ENV: 'production' });
  server = await startServer(config, [], { database });
});
afterAll(async () => {
  await server?.shutdown();
});

describe('probes', () => {
  it('answers /healthz while the process lives', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz once the database is reachable and migrated', async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
  });
});

describe('metrics', () => {
  it('labels request durations by route pattern, method and status', async () => {
    await fetch(`${server.url}/healthz`);
    await fetch(`${server.url}/sign-in`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_count\{route="\/sign-in",method="GET",status="200"\} \d+/);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('keeps unknown paths out of the label values', async () => {
    await fetch(`${server.url}/no/such/page-${Date.now()}`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).not.toMatch(/route="\/no\/such/);
  });
});

describe('security headers', () => {
  it('sends a nonce-based CSP whose nonce the page scripts carry', async () => {
    const response = await fetch(`${server.url}/sign-in`);
    const csp = response.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('gives every response a request id', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves fingerprinted assets with a long cache lifetime', async () => {
    const html = await (await fetch(`${server.url}/sign-in`)).text();
    const asset = /\/build\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeTruthy();
    const response = await fetch(`${server.url}${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('serves the other public files for an hour, and leaves every other path to the pages', async () => {
    const icon = await fetch(`${server.url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toContain('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('public, max-age=3600');
    await icon.arrayBuffer();
    const missing = await fetch(`${server.url}/favicon.png`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('text/html');
    await missing.arrayBuffer();
  });

  it('sends a page as one complete HTML document', async () => {
    const response = await fetch(`${server.url}/sign-in`);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<!DOCTYPE/gi)).toHaveLength(1);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    // One chunk: sent with its length, not chunked.
    expect(response.headers.get('transfer-encoding')).toBeNull();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(html));
    expect(html.match(/<title>/g)).toHaveLength(1);
  });
});

describe('cross-origin writes', () => {
  it('refuses a POST whose Origin is another site with 403', async () => {
    const response = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=admin&password=x',
    });
    expect(response.status).toBe(403);
    expect((await response.json()).error).toMatch(/Cross-origin/);
  });

  it('lets a same-origin POST through to the application (which then checks its CSRF token)', async () => {
    const response = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=admin&password=x',
    });
    // The sign-in action itself answers (here: refusing the missing CSRF token), not the origin gate.
    expect(await response.text()).not.toMatch(/Cross-origin requests/);
  });
});

describe('body limit', () => {
  it('refuses a body over the limit with 413 before any work', async () => {
    const response = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x='.padEnd(70 * 1024, 'a'),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).error).toMatch(/larger than the limit/);
  });
});

describe('route matching', () => {
  const manifestOf = (html: string) => {
    const json = /window\.__remixManifest = (\{[\s\S]*?\});/.exec(html)?.[1];
    return JSON.parse(json ?? '{}') as { version: string; routes: Record<string, unknown> };
  };

  it('sends the same partial manifest as Remix does: the page’s routes and its parent paths’', async () => {
    const html = await (await fetch(`${server.url}/sign-in`)).text();
    // /sign-in matches root and routes/sign-in; its parent path / adds the index route.
    expect(Object.keys(manifestOf(html).routes).sort()).toEqual(['root', 'routes/_index', 'routes/sign-in']);
  });

  it('answers data requests of the matched route, and refuses a route the path does not match', async () => {
    const ok = await fetch(`${server.url}/sign-in?_data=routes/sign-in`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('application/json');
    const wrong = await fetch(`${server.url}/sign-in?_data=routes/audit`);
    expect(wrong.status).toBe(403);
  });

  it('resolves other paths through the manifest endpoint over all routes', async () => {
    const html = await (await fetch(`${server.url}/sign-in`)).text();
    const { version } = manifestOf(html);
    const response = await fetch(`${server.url}/__manifest?p=${encodeURIComponent('/audit')}&p=${encodeURIComponent('/models/qwen/deploy')}&version=${version}`);
    expect(response.status).toBe(200);
    const patch = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(patch)).toEqual(expect.arrayContaining(['routes/audit', 'routes/models.$name.deploy']));
  });

  it('labels a path with parameters by its pattern', async () => {
    await fetch(`${server.url}/admin/users/00000000-0000-0000-0000-000000000000`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/route="\/admin\/users\/:id"/);
  });
});
