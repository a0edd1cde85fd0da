import http from 'node:http';
import { log } from '../../core/log';
import { type ApiServer, type DeleteOptions, PATCH_TYPES, compileSelectors } from './api';
import {
  ApiError, type StatusBody, badRequest, gone, internalError, methodNotAllowed, notFoundPath, timeoutError, tooManyRequests,
} from './errors';
import type { FaultPlan } from './faults';
import type { Rng } from './random';
import {
  ALL_VERBS, RESOURCE_TYPES, type ResourceType, apiVersionOf, lookupResource, servedGroups,
} from './resources';
import type { EventType } from './store';
import { type KubeObject, isPlainObject } from './types';
import { parse as parseYaml } from 'yaml';

export interface HttpOptions {
  api: ApiServer;
  faults: FaultPlan;
  rng: Rng;
  bookmarkIntervalMs: number;
  timeoutHoldMs: number;
  /** extra handlers for subresources served by controllers (eviction, scale, binding) */
  subresources: Record<string, SubresourceHandler>;
  version: Record<string, string>;
}

export interface RequestContext {
  t: ResourceType;
  namespace: string;
  name: string;
  method: string;
  body: unknown;
  query: URLSearchParams;
  fieldManager: string;
  dryRun: boolean;
}

export type SubresourceHandler = (ctx: RequestContext) => { code: number; body: unknown; verb: string };

export interface HttpStats {
  requests: number;
  writes: number;
  byVerb: Record<string, number>;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'apply', 'delete', 'deletecollection']);
const BODY_LIMIT = 3 * 1024 * 1024;
const jsonCache = new WeakMap<object, string>();

function toJson(obj: object): string {
  let s = jsonCache.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    if (Object.isFrozen(obj)) jsonCache.set(obj, s);
  }
  return s;
}

/** A list item as the API server serialises it: built-in kinds drop apiVersion/kind. */
function listItemJson(t: ResourceType, obj: KubeObject): string {
  if (t.custom) return toJson(obj);
  const full = toJson(obj);
  // {"kind":"…","apiVersion":"…",  is always the stored prefix (see Store.put)
  const prefix = `{"kind":${JSON.stringify(obj.kind)},"apiVersion":${JSON.stringify(obj.apiVersion)},`;
  return full.startsWith(prefix) ? `{${full.slice(prefix.length)}` : full;
}

function discoveryResources(group: string, version: string) {
  const resources: Array<Record<string, unknown>> = [];
  for (const t of RESOURCE_TYPES) {
    if (t.group !== group || t.version !== version) continue;
    const main: Record<string, unknown> = { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: ALL_VERBS };
    if (t.shortNames) main.shortNames = t.shortNames;
    if (t.categories) main.categories = t.categories;
    if (t.storageVersionHash) main.storageVersionHash = t.storageVersionHash;
    resources.push(main);
    for (const sub of t.subresources) {
      const r: Record<string, unknown> = { name: `${t.plural}/${sub}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] };
      if (sub === 'eviction') Object.assign(r, { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
      if (sub === 'binding') Object.assign(r, { kind: 'Binding', verbs: ['create'] });
      if (sub === 'scale') Object.assign(r, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
      if (sub === 'finalize') Object.assign(r, { verbs: ['update'] });
      resources.push(r);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function groupDoc(name: string, versions: string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

interface Route {
  t: ResourceType;
  namespace: string | undefined;
  name?: string;
  subresource?: string;
}

/** Parses /api/v1/… and /apis/g/v/… resource paths. */
function parseResourcePath(parts: string[]): Route | 'notfound' | undefined {
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length < 3) return undefined;
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length < 4) return undefined;
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return 'notfound';
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const t = lookupResource(group, version, rest[0]!);
  if (!t) return 'notfound';
  if (namespace !== undefined && !t.namespaced) return 'notfound';
  if (rest.length > 3) return 'notfound';
  const route: Route = { t, namespace, name: rest[1], subresource: rest[2] };
  if (route.subresource && !t.subresources.includes(route.subresource)) return 'notfound';
  return route;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        reject(new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${BODY_LIMIT}`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function decodeBody(raw: string, contentType: string): unknown {
  if (!raw.trim()) return undefined;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  try {
    if (type === 'application/yaml' || type === 'application/x-yaml') return parseYaml(raw) as unknown;
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw badRequest(`error decoding body: ${(e as Error).message}`);
  }
}

/** The field manager name the API server derives when none is given: the User-Agent's product. */
function defaultManager(req: http.IncomingMessage): string {
  const ua = req.headers['user-agent'];
  if (!ua) return 'unknown';
  return ua.split('/')[0]!.trim().slice(0, 128) || 'unknown';
}

/**
 * The HTTP face of the simulated API server (node:http): discovery, the resource
 * REST paths, watch streams, Status errors, fault injection.
 */
export function createHttpServer(opts: HttpOptions) {
  const { api, faults } = opts;
  const stats: HttpStats = { requests: 0, writes: 0, byVerb: {} };
  const held = new Set<{ res: http.ServerResponse; timer: NodeJS.Timeout }>();
  const watches = new Set<() => void>();

  const count = (verb: string) => {
    stats.byVerb[verb] = (stats.byVerb[verb] ?? 0) + 1;
    if (WRITE_VERBS.has(verb)) stats.writes++;
  };

  const headers = (extra: Record<string, string> = {}) => ({
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Audit-Id': opts.rng.uuid(),
    'X-Kubernetes-Pf-Flowschema-Uid': 'a2a1c5f6-8d1e-4a3f-9c3a-2c4d6b8e0f11',
    'X-Kubernetes-Pf-Prioritylevel-Uid': '5e7b2f0c-1a9d-4c6e-8f2b-3d4a5b6c7d8e',
    ...extra,
  });

  const send = (res: http.ServerResponse, code: number, body: string, extra?: Record<string, string>) => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(code, headers(extra));
    res.end(body);
  };

  const sendError = (res: http.ServerResponse, err: ApiError) => send(res, err.code, JSON.stringify(err.status), err.headers);

  const success = (details?: Record<string, unknown>, code = 200): StatusBody & { details?: unknown } => {
    const s: StatusBody & { details?: unknown } = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
    if (details) s.details = details;
    return s;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://sim');
    const q = url.searchParams;
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = (req.method ?? 'GET').toUpperCase();
    const isWatch = method === 'GET' && (q.get('watch') === 'true' || q.get('watch') === '1');
    const fault = faults.pick(isWatch);
    if (fault) {
      count(isWatch ? 'watch' : 'fault');
      if (fault === 'error500') return sendError(res, internalError('etcdserver: request timed out'));
      if (fault === 'throttle429') return sendError(res, tooManyRequests('Too many requests, please try again later.', 1));
      // timeout: hold the request open until the client gives up, bounded
      const entry = {
        res,
        timer: setTimeout(() => {
          held.delete(entry);
          sendError(res, timeoutError());
        }, opts.timeoutHoldMs),
      };
      held.add(entry);
      res.on('close', () => {
        clearTimeout(entry.timer);
        held.delete(entry);
      });
      req.resume();
      return;
    }

    // Discovery and health.
    const p = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET') {
      if (p === '/version') {
        count('discovery');
        return send(res, 200, JSON.stringify(opts.version));
      }
      if (p === '/healthz' || p === '/livez' || p === '/readyz') {
        count('discovery');
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end('ok');
      }
      if (p === '/api') {
        count('discovery');
        const addr = req.socket.localAddress && req.socket.localPort ? `${req.socket.localAddress}:${req.socket.localPort}` : '127.0.0.1';
        return send(res, 200, JSON.stringify({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: addr }] }));
      }
      if (p === '/apis') {
        count('discovery');
        return send(res, 200, JSON.stringify({ kind: 'APIGroupList', apiVersion: 'v1', groups: servedGroups().map((g) => groupDoc(g.name, g.versions)) }));
      }
      if (p === '/api/v1') {
        count('discovery');
        return send(res, 200, JSON.stringify(discoveryResources('', 'v1')));
      }
      if (parts[0] === 'apis' && parts.length === 2) {
        const g = servedGroups().find((x) => x.name === parts[1]);
        if (!g) return sendError(res, notFoundPath());
        count('discovery');
        return send(res, 200, JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g.name, g.versions) }));
      }
      if (parts[0] === 'apis' && parts.length === 3) {
        const g = servedGroups().find((x) => x.name === parts[1] && x.versions.includes(parts[2]!));
        if (!g) return sendError(res, notFoundPath());
        count('discovery');
        return send(res, 200, JSON.stringify(discoveryResources(parts[1]!, parts[2]!)));
      }
    }

    const route = parseResourcePath(parts);
    if (route === undefined || route === 'notfound') {
      req.resume();
      return sendError(res, notFoundPath());
    }
    const { t } = route;
    const namespace = route.namespace ?? '';
    const dryRun = q.getAll('dryRun').includes('All');
    if (q.getAll('dryRun').some((v) => v !== 'All'))
      return sendError(res, badRequest(`Invalid dryRun value: ${q.getAll('dryRun').join(',')}: supported values: "All"`));
    const fieldManager = q.get('fieldManager') ?? defaultManager(req);

    if (isWatch) {
      if (route.subresource !== undefined) return sendError(res, methodNotAllowed());
      count('watch');
      if (route.name !== undefined) {
        // Watching one object is a watch with a metadata.name field selector.
        const field = q.get('fieldSelector');
        q.set('fieldSelector', `metadata.name=${route.name}${field ? `,${field}` : ''}`);
      }
      return serveWatch(req, res, t, route.namespace, q);
    }

    const contentType = String(req.headers['content-type'] ?? 'application/json');
    const raw = method === 'GET' ? '' : await readBody(req);

    if (route.subresource && opts.subresources[`${t.plural}/${route.subresource}`]) {
      const handler = opts.subresources[`${t.plural}/${route.subresource}`]!;
      const body = method === 'PATCH' ? raw : decodeBody(raw, contentType);
      const out = handler({ t, namespace, name: route.name!, method, body: method === 'PATCH' ? { raw, contentType } : body, query: q, fieldManager, dryRun });
      count(out.verb);
      return send(res, out.code, JSON.stringify(out.body));
    }

    if (route.name === undefined) {
      // Collection.
      switch (method) {
        case 'GET': {
          count('list');
          const limit = q.get('limit') ? Number(q.get('limit')) : undefined;
          const result = api.list(t, route.namespace, {
            labelSelector: q.get('labelSelector') ?? undefined,
            fieldSelector: q.get('fieldSelector') ?? undefined,
            limit: Number.isFinite(limit) ? limit : undefined,
            continue: q.get('continue') ?? undefined,
          });
          const meta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
          if (result.continue) meta.continue = result.continue;
          if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
          const body = `{"kind":${JSON.stringify(t.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(t))},"metadata":${JSON.stringify(meta)},"items":[${result.items.map((i) => listItemJson(t, i)).join(',')}]}`;
          return send(res, 200, body);
        }
        case 'POST': {
          count('create');
          if (t.namespaced && route.namespace === undefined) return sendError(res, methodNotAllowed());
          const created = api.create(t, namespace, decodeBody(raw, contentType), { dryRun, fieldManager: q.get('fieldManager') ?? defaultManager(req) });
          return send(res, 201, toJson(created));
        }
        case 'DELETE': {
          count('deletecollection');
          const options = deleteOptions(decodeBody(raw, contentType), q, dryRun);
          const items = api.deleteCollection(t, route.namespace, {
            labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined,
          }, options);
          return send(res, 200, `{"kind":${JSON.stringify(t.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(t))},"metadata":{"resourceVersion":${JSON.stringify(String(api.store.currentRv()))}},"items":[${items.map((i) => listItemJson(t, i)).join(',')}]}`);
        }
        default:
          return sendError(res, methodNotAllowed());
      }
    }

    const name = route.name;
    const sub = route.subresource;
    if (sub === 'finalize') {
      if (method !== 'PUT') return sendError(res, methodNotAllowed());
      count('update');
      const body = decodeBody(raw, contentType) as KubeObject | undefined;
      const updated = api.mutate('Namespace', '', name, fieldManager, (ns) => {
        ns.spec = { ...(ns.spec ?? {}), finalizers: (body?.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [] };
      });
      return send(res, 200, toJson(updated ?? api.get(t, '', name)));
    }
    if (sub !== undefined && sub !== 'status') return sendError(res, methodNotAllowed());
    switch (method) {
      case 'GET':
        count('get');
        return send(res, 200, toJson(api.get(t, namespace, name)));
      case 'PUT': {
        count('update');
        const updated = api.update(t, namespace, name, decodeBody(raw, contentType), { dryRun, fieldManager, subresource: sub });
        return send(res, 200, toJson(updated));
      }
      case 'PATCH': {
        const isApply = contentType.split(';')[0]!.trim().toLowerCase() === PATCH_TYPES.apply;
        count(isApply ? 'apply' : 'patch');
        const forceParam = q.get('force');
        const { object, created } = api.patch(t, namespace, name, contentType, raw, {
          dryRun, fieldManager: q.get('fieldManager') ?? (isApply ? undefined : defaultManager(req)),
          force: forceParam === null ? undefined : forceParam === 'true', subresource: sub,
        });
        return send(res, created ? 201 : 200, toJson(object));
      }
      case 'DELETE': {
        if (sub) return sendError(res, methodNotAllowed());
        count('delete');
        const options = deleteOptions(decodeBody(raw, contentType), q, dryRun);
        const result = api.delete(t, namespace, name, options);
        if (!result.removed || t.returnDeletedObject) return send(res, 200, toJson(result.object));
        const details: Record<string, unknown> = { name, kind: t.plural, uid: result.object.metadata.uid };
        if (t.group) details.group = t.group;
        return send(res, 200, JSON.stringify(success({ name, ...(t.group ? { group: t.group } : {}), kind: t.plural, uid: result.object.metadata.uid })));
      }
      default:
        return sendError(res, methodNotAllowed());
    }
  }

  function deleteOptions(body: unknown, q: URLSearchParams, dryRun: boolean): DeleteOptions {
    const b = isPlainObject(body) ? body : {};
    const out: DeleteOptions = { dryRun: dryRun || (Array.isArray(b.dryRun) && b.dryRun.includes('All')) };
    const grace = q.get('gracePeriodSeconds') ?? (b.gracePeriodSeconds !== undefined ? String(b.gracePeriodSeconds) : null);
    if (grace !== null) {
      const n = Number(grace);
      if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: ${grace}`);
      out.gracePeriodSeconds = n;
    }
    const policy = q.get('propagationPolicy') ?? (typeof b.propagationPolicy === 'string' ? b.propagationPolicy : null);
    if (policy !== null) {
      if (!['Orphan', 'Background', 'Foreground'].includes(policy))
        throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
      out.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
    } else if (b.orphanDependents === true) out.propagationPolicy = 'Orphan';
    if (isPlainObject(b.preconditions)) out.preconditions = b.preconditions as DeleteOptions['preconditions'];
    return out;
  }

  function serveWatch(req: http.IncomingMessage, res: http.ServerResponse, t: ResourceType, namespace: string | undefined, q: URLSearchParams) {
    const matches = compileSelectors(t, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined);
    const rvParam = q.get('resourceVersion') ?? '';
    if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resource version`);
    const sinceRv = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const sendInitialEvents = q.get('sendInitialEvents') === 'true';
    const timeoutSeconds = q.get('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : 1800 + Math.floor(opts.rng.next() * 1800);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked', 'Audit-Id': opts.rng.uuid() });
    res.flushHeaders();
    let closed = false;
    let lastRv = sinceRv ?? api.store.currentRv();
    // Lines written in one turn of the event loop go out as one chunk.
    let pending: string[] = [];
    const flush = () => {
      if (closed || pending.length === 0) return;
      const chunk = pending.length === 1 ? pending[0]! : pending.join('');
      pending = [];
      res.write(chunk);
      // A consumer that stopped reading is cut off, as the real watch cache does.
      if (res.writableLength > 64 * 1024 * 1024) finish();
    };
    const write = (line: string) => {
      if (closed) return;
      if (pending.length === 0) setImmediate(flush);
      pending.push(line);
    };
    const sendEvent = (type: EventType | 'BOOKMARK' | 'ERROR', objJson: string) => write(`{"type":"${type}","object":${objJson}}\n`);
    const bookmark = (annotations?: Record<string, string>) => {
      const md: Record<string, unknown> = { resourceVersion: String(Math.max(lastRv, api.store.currentRv())) };
      if (annotations) md.annotations = annotations;
      sendEvent('BOOKMARK', JSON.stringify({ kind: t.kind, apiVersion: apiVersionOf(t), metadata: md }));
    };
    let unsubscribe: () => void = () => {};
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (closed) return;
      flush();
      closed = true;
      unsubscribe();
      for (const timer of timers) {
        clearTimeout(timer);
        clearInterval(timer);
      }
      unregister();
      watches.delete(finish);
      res.end();
    };
    const unregister = faults.registerWatch(finish);
    watches.add(finish);
    req.on('close', finish);
    res.on('close', finish);
    if (sinceRv === undefined) {
      // "Get state and start at most recent": synthetic ADDED for what exists now.
      const current = api.list(t, namespace, { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined });
      for (const obj of current.items) sendEvent('ADDED', toJson(obj));
      lastRv = Number(current.resourceVersion);
      if (sendInitialEvents && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    }
    const sub = api.store.watch(t.kind, {
      namespace,
      matches,
      send: (type, obj, rv) => {
        lastRv = rv;
        sendEvent(type, toJson(obj));
      },
    }, sinceRv ?? api.store.currentRv());
    if (!sub.ok) {
      const err = gone(`too old resource version: ${sinceRv} (${sub.oldest})`);
      sendEvent('ERROR', JSON.stringify(err.status));
      finish();
      return;
    }
    unsubscribe = sub.unsubscribe;
    if (closed) unsubscribe();
    if (bookmarks) timers.push(setInterval(() => bookmark(), opts.bookmarkIntervalMs));
    if (timeoutSeconds > 0) timers.push(setTimeout(finish, timeoutSeconds * 1000));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof ApiError) return sendError(res, err);
      log.error({ err }, 'simulated API server: unexpected error');
      sendError(res, internalError(err instanceof Error ? err.message : String(err)));
    });
  });
  server.keepAliveTimeout = 60_000;

  return {
    server,
    stats: () => ({ requests: stats.requests, writes: stats.writes, byVerb: { ...stats.byVerb } }),
    close() {
      for (const finish of [...watches]) finish();
      for (const h of held) {
        clearTimeout(h.timer);
        h.res.destroy();
      }
      held.clear();
    },
  };
}
