import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createApiToken,
  isPermission,
  type Permission,
  permissions,
  preSessionCsrfCookieName,
  type Role,
  roles,
  rolesGrant,
} from '../../server/auth';
import { isAppError } from '../../server/core/errors';
import { startKube, stopKube } from '../../server/kube';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestSession, createTestUser, sessionPrincipal, type TestUser } from '../support/auth';

/*
 * Walks every route module in app/routes, reads `handle.permission` (and
 * `handle.actionPermission`, when its action needs more than its loader), and calls the
 * loader and action with real Requests against a test database, proving for each:
 *   signed out              → pages redirect to /sign-in, API routes answer 401
 *   a role lacking the right → 403 (every such role)
 *   a role holding it        → passes the gate (every such role): loaders 2xx/3xx (or a
 *                              400/405/404 that only comes after the gate), actions
 *                              anything but 401/403/5xx (an empty form may be 400)
 * API routes are also called with a service token holding every scope but the one needed
 * (→ 403), and, for permissions no role holds, with a token holding just it (→ through).
 * Routes added later are covered without touching this file; one without a permission
 * fails it. Dynamic segments get a random id, so a 404 also counts as past the gate.
 */

// ROUTE_WALK_DIR points the walk at fixture routes (used to prove the walk can fail).
const routesDir = process.env.ROUTE_WALK_DIR ?? path.resolve(import.meta.dirname, '../../app/routes');
type Access = Permission | 'user' | 'public';

interface RouteModule {
  handle?: { permission?: unknown; actionPermission?: unknown };
  loader?: (args: { request: Request; params: Record<string, string>; context: object }) => unknown;
  action?: (args: { request: Request; params: Record<string, string>; context: object }) => unknown;
}

interface RouteFile {
  file: string;
  /** The URL the route answers at, with dynamic segments filled. */
  url: string;
  params: Record<string, string>;
  dynamic: boolean;
}

/** The route files, as Remix v2 flat routes finds them (files, or folders with route.tsx). */
function routeFiles(): RouteFile[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(routesDir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || /\.test\.tsx?$/.test(entry.name)) continue;
    if (entry.isFile() && /\.(tsx?|jsx?)$/.test(entry.name)) found.push(entry.name);
    if (entry.isDirectory()) {
      const inner = ['route.tsx', 'route.ts'].find((f) => fs.existsSync(path.join(routesDir, entry.name, f)));
      if (inner) found.push(`${entry.name}/${inner}`);
    }
  }
  return found.sort().map((file) => ({ file, ...urlOf(file) }));
}

/** Flat-route file name → URL: dots are slashes, `_index` is the index, `_x` is pathless. */
function urlOf(file: string): { url: string; params: Record<string, string>; dynamic: boolean } {
  const id = file.replace(/\/route\.(tsx?|jsx?)$/, '').replace(/\.(tsx?|jsx?)$/, '');
  // `[.]` is an escaped dot: keep it inside its segment while splitting on the others.
  const segments = id.split(/(?<!\[)\.(?!\])/);
  const params: Record<string, string> = {};
  const parts: string[] = [];
  for (const raw of segments) {
    const segment = raw.replace(/_$/, '').replace(/[[\]]/g, '');
    if (segment === '_index' || (segment.startsWith('_') && raw === segment) || /^\(.*\)$/.test(segment)) continue;
    if (segment === '$') {
      params['*'] = 'some/unknown/path';
      parts.push(params['*']);
    } else if (segment.startsWith('$')) {
      params[segment.slice(1)] = crypto.randomUUID();
      parts.push(params[segment.slice(1)]!);
    } else {
      parts.push(segment);
    }
  }
  return { url: `/${parts.join('/')}`, params, dynamic: Object.keys(params).length > 0 };
}

function accessOf(value: unknown): Access | null {
  if (value === 'user' || value === 'public') return value;
  return typeof value === 'string' && isPermission(value) ? value : null;
}

let database: TestDatabase;
const userByRole = {} as Record<Role, TestUser>;
const serviceTokens = new Map<string, string>();

beforeAll(async () => {
  database = await createTestDatabase();
  // What server/http starts before serving: routes that read the cluster get the simulated
  // one (never a real cluster, whatever KUBECONFIG says), as in a trial without Kubernetes.
  const nowhere = path.join(os.tmpdir(), 'leitstand-route-walk-no-kubeconfig');
  await startKube(
    { kube: { kubeconfig: undefined, simTopology: undefined }, instanceId: 'route-walk' },
    { connect: { defaultKubeconfig: nowhere, inClusterRoot: nowhere } },
  );
  for (const role of roles) userByRole[role] = await createTestUser({ roles: [role], username: `walk-${role}` });
});
afterAll(async () => {
  await stopKube();
  await database.close();
});

/** A service token holding exactly these scopes (created once per scope set). */
async function serviceToken(scopes: Permission[]): Promise<string> {
  const key = scopes.join(',');
  let token = serviceTokens.get(key);
  if (!token) {
    ({ token } = await createApiToken(sessionPrincipal(userByRole.admin), 'service', { name: `walk ${key}`.slice(0, 100), scopes, expiresInDays: 1 }));
    serviceTokens.set(key, token);
  }
  return token;
}

type Caller = { kind: 'anonymous' } | { kind: 'role'; role: Role } | { kind: 'token'; scopes: Permission[] };

async function requestFor(route: RouteFile, method: 'GET' | 'POST', caller: Caller): Promise<Request> {
  const headers = new Headers({ 'x-request-id': 'route-walk', 'x-client-address': '192.0.2.1' });
  const body = new URLSearchParams();
  if (caller.kind === 'role') {
    const session = await createTestSession(userByRole[caller.role]);
    headers.set('cookie', session.cookie);
    headers.set('x-csrf-token', session.csrfToken);
    body.set('csrf', session.csrfToken);
  } else if (caller.kind === 'token') {
    headers.set('authorization', `Bearer ${await serviceToken(caller.scopes)}`);
  } else {
    // Signed out, but with a valid pre-session CSRF pair: public forms (sign-in) get past CSRF.
    headers.set('cookie', `${preSessionCsrfCookieName}=walk-csrf-token-0123456789abcdefghijklmnopq`);
    body.set('csrf', 'walk-csrf-token-0123456789abcdefghijklmnopq');
  }
  if (method === 'GET') return new Request(`http://localhost${route.url}`, { headers });
  headers.set('origin', 'http://localhost');
  headers.set('sec-fetch-site', 'same-origin');
  headers.set('content-type', 'application/x-www-form-urlencoded');
  return new Request(`http://localhost${route.url}`, { method, headers, body });
}

interface Outcome {
  status: number;
  location: string | null;
}

async function call(mod: RouteModule, which: 'loader' | 'action', route: RouteFile, caller: Caller): Promise<Outcome> {
  const fn = mod[which]!;
  const request = await requestFor(route, which === 'loader' ? 'GET' : 'POST', caller);
  try {
    const result = await fn({ request, params: route.params, context: {} });
    if (result instanceof Response) return { status: result.status, location: result.headers.get('location') };
    return { status: 200, location: null };
  } catch (error) {
    if (error instanceof Response) return { status: error.status, location: error.headers.get('location') };
    if (isAppError(error)) return { status: error.status, location: null };
    throw error;
  }
}

function describeCaller(caller: Caller): string {
  return caller.kind === 'role' ? `role ${caller.role}` : caller.kind === 'token' ? `service token [${caller.scopes.join(' ')}]` : 'signed out';
}

const routes = routeFiles();

it('finds the route modules', () => {
  expect(routes.length).toBeGreaterThan(5);
  expect(urlOf('admin.users.$id.tsx').url).toMatch(/^\/admin\/users\/[0-9a-f-]{36}$/);
  expect(urlOf('_index.tsx').url).toBe('/');
  expect(urlOf('_auth.sign-in.tsx').url).toBe('/sign-in');
  expect(urlOf('api.v1.tokens.service.ts').url).toBe('/api/v1/tokens/service');
  expect(urlOf('sitemap[.]xml.ts').url).toBe('/sitemap.xml');
});

describe.each(routes)('route $file ($url)', (route) => {
  let mod: RouteModule;
  beforeAll(async () => {
    mod = (await import(path.join(routesDir, route.file))) as RouteModule;
  });

  it('declares who may use it in handle.permission', () => {
    const access = accessOf(mod.handle?.permission);
    expect(access, `${route.file}: export const handle = { permission: '<permission>' | 'user' | 'public' }`).not.toBeNull();
    if (mod.handle?.actionPermission !== undefined) expect(accessOf(mod.handle.actionPermission)).not.toBeNull();
  });

  for (const which of ['loader', 'action'] as const) {
    it(`${which}: is enforced for signed-out callers, lacking roles and holding roles`, async () => {
      if (!mod[which]) return;
      const access = accessOf(which === 'action' ? (mod.handle?.actionPermission ?? mod.handle?.permission) : mod.handle?.permission);
      expect(access).not.toBeNull();
      const isApi = route.url.startsWith('/api/');
      // Loaders must answer 2xx/3xx, or a refusal that only comes after the gate: 400 (a
      // bare request lacks required query input), 405 (an action-only resource route), 404
      // (the random id of a dynamic segment). Actions get an empty form: anything but
      // 401/403/5xx proves the gate let them through.
      const passed = (o: Outcome) =>
        which === 'loader'
          ? (o.status >= 200 && o.status < 400) || o.status === 400 || o.status === 405 || (route.dynamic && o.status === 404)
          : o.status < 500 && o.status !== 401 && o.status !== 403;
      const problems: string[] = [];
      const check = async (caller: Caller, expectation: 'signed-out' | 'forbidden' | 'allowed') => {
        const outcome = await call(mod, which, route, caller);
        const ok =
          expectation === 'signed-out'
            ? isApi
              ? outcome.status === 401
              : outcome.status === 302 && (outcome.location ?? '').startsWith('/sign-in')
            : expectation === 'forbidden'
              ? outcome.status === 403
              : passed(outcome);
        if (!ok) problems.push(`${describeCaller(caller)}: expected ${expectation}, got ${outcome.status}${outcome.location ? ` → ${outcome.location}` : ''}`);
      };

      if (access === 'public') {
        await check({ kind: 'anonymous' }, 'allowed');
      } else {
        await check({ kind: 'anonymous' }, 'signed-out');
        if (access === 'user') {
          for (const role of roles) await check({ kind: 'role', role }, 'allowed');
        } else {
          const permission = access!;
          const holders = roles.filter((r) => rolesGrant([r], permission));
          for (const role of roles) await check({ kind: 'role', role }, holders.includes(role) ? 'allowed' : 'forbidden');
          if (isApi) {
            await check({ kind: 'token', scopes: permissions.filter((p) => p !== permission) }, 'forbidden');
            // Permissions no role holds (usage:ingest) are for service tokens alone; others
            // may rightly need a person (personal tokens), so a role passing is the proof.
            if (holders.length === 0) await check({ kind: 'token', scopes: [permission] }, 'allowed');
          } else if (holders.length === 0) {
            problems.push(`no role holds ${permission}, so nobody could use this page`);
          }
        }
      }
      expect(problems, `${route.file} ${which}`).toEqual([]);
    });
  }
});
