import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ServerBuild } from '@remix-run/node';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config';
import { log } from '../core/log';
import { httpRequestDuration, registry } from './metrics';
import { createRouteTargets } from './route-handlers';
import { securityHeaders } from './security';

export interface ReadinessCheck {
  /** Resolves to null when ready, else a reason a person can act on. */
  (): Promise<string | null>;
}

export interface CreateAppOptions {
  build: ServerBuild;
  config: Config;
  ready: ReadinessCheck;
  /** Where the fingerprinted client assets are (public/). */
  publicDir: string;
}

/** Headers that only the server may set: client-sent values are dropped. */
const trustedHeaders = ['x-client-address'] as const;
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The Express application: static assets, probes, metrics, then Remix for everything else. */
export function createApp({ build, config, ready, publicDir }: CreateAppOptions) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  const routes = createRouteTargets(build, config.env);
  const routePattern = (pathname: string, dataRouteId?: string | null) => routes.pattern(pathname, dataRouteId);

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    const requestId = incoming && /^[\w.-]{8,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    for (const name of trustedHeaders) delete req.headers[name];
    req.headers['x-request-id'] = requestId;
    req.headers['x-client-address'] = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (res.locals.routePattern as string | undefined) ?? 'unmatched';
      httpRequestDuration.observe({ route, method: req.method, status: String(res.statusCode) }, seconds);
      // 503 is an answer (not ready, shutting down, cluster unreachable), not a fault.
      if (res.statusCode >= 500 && res.statusCode !== 503) {
        log.error({ requestId, method: req.method, route, status: res.statusCode, ms: seconds * 1000 }, 'request failed');
      } else {
        log.debug({ requestId, method: req.method, route, status: res.statusCode, ms: seconds * 1000 }, 'request');
      }
    });
    next();
  });

  app.use(securityHeaders);

  // Fingerprinted build output: cache forever. Other public files: an hour.
  app.use(
    '/build',
    express.static(path.join(publicDir, 'build'), { immutable: true, maxAge: '1y', index: false }),
    (_req, res, next) => {
      res.locals.routePattern = '/build/*';
      next();
    },
  );
  // Other public files are few and known at start: serve exactly those, so page requests
  // do not pay a file-system lookup each.
  const publicFiles = new Set(
    fs
      .readdirSync(publicDir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `/${entry.name}`),
  );
  const servePublic = express.static(publicDir, { maxAge: '1h', index: false });
  app.use((req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && publicFiles.has(req.path)) {
      res.locals.routePattern = req.path;
      servePublic(req, res, next);
    } else next();
  });

  app.get('/healthz', (_req, res) => {
    res.locals.routePattern = '/healthz';
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    res.locals.routePattern = '/readyz';
    const reason = await ready().catch((error: unknown) => `readiness check failed: ${String(error)}`);
    if (reason) res.status(503).json({ status: 'not ready', reason });
    else res.json({ status: 'ready' });
  });

  app.get('/metrics', async (_req, res) => {
    res.locals.routePattern = '/metrics';
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });

  // A browser always names the page's origin on a cross-site write; refuse it before any work
  // (the session's CSRF token is the second line of defence, in the auth context).
  app.use((req, res, next) => {
    if (safeMethods.has(req.method)) return next();
    const origin = req.get('origin');
    // Clients outside a browser (API tokens) send no Origin; an opaque 'null' one is refused.
    if (origin === undefined || origin === `${req.protocol}://${req.get('host') ?? ''}`) return next();
    res.locals.routePattern = routePattern(req.path);
    res.status(403).json({ error: 'Cross-origin requests that change data are refused.' });
  });

  // Buffer bodies up to the limit so an oversized one is refused with 413 before any work.
  app.use(express.raw({ type: () => true, limit: config.bodyLimitBytes }));

  app.all('*', async (req, res, next) => {
    const target = routes.target(req.path);
    const dataRouteId = typeof req.query._data === 'string' ? req.query._data : null;
    res.locals.routePattern = dataRouteId ? routePattern(req.path, dataRouteId) : target.pattern;
    try {
      const request = toFetchRequest(req);
      const response = await target.handler(request, { nonce: res.locals.nonce as string });
      await sendFetchResponse(res, response);
    } catch (error) {
      next(error);
    }
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = req.get('x-request-id');
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      res.locals.routePattern ??= routePattern(req.path);
      res.status(413).json({ error: `The request body is larger than the limit of ${config.bodyLimitBytes} bytes.`, requestId });
      return;
    }
    if (type === 'entity.parse.failed' || type === 'request.aborted') {
      res.status(400).json({ error: 'The request body could not be read.', requestId });
      return;
    }
    log.error({ requestId, err: error }, 'unhandled error');
    if (!res.headersSent) res.status(500).json({ error: 'Something went wrong on our side.', requestId });
    else res.end();
  });

  return app;
}

function toFetchRequest(req: Request): globalThis.Request {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const controller = new AbortController();
  req.on('close', () => {
    if (!req.complete) controller.abort();
  });
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && Buffer.isBuffer(req.body) && req.body.length > 0;
  return new Request(url, {
    method: req.method,
    headers,
    signal: controller.signal,
    body: hasBody ? new Uint8Array(req.body as Buffer) : undefined,
  });
}

async function sendFetchResponse(res: Response, response: globalThis.Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [name, value] of response.headers.entries()) {
    if (name === 'set-cookie') continue;
    res.append(name, value);
  }
  for (const cookie of response.headers.getSetCookie()) res.append('Set-Cookie', cookie);
  if (!response.body) {
    res.end();
    return;
  }
  // Copy the body chunk by chunk, honouring back-pressure; a page arrives as one chunk (see
  // entry.server), an export as many.
  const reader = response.body.getReader();
  const closed = new Promise<void>((resolve) => res.once('close', resolve));
  try {
    // A body of one chunk (every page, every JSON answer) goes out with its length in one
    // write: no chunked encoding, no second write for the terminating chunk.
    const first = await reader.read();
    if (first.done) {
      res.end();
      return;
    }
    let next = await reader.read();
    if (next.done) {
      if (!res.hasHeader('content-length')) res.setHeader('Content-Length', first.value.byteLength);
      res.end(first.value);
      return;
    }
    if (!res.write(first.value)) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
    while (!next.done) {
      if (res.destroyed) return;
      if (!res.write(next.value)) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
      next = await reader.read();
    }
    res.end();
  } catch (error) {
    // The client went away mid-stream (closed tab, cancelled export): nothing to report.
    if (res.destroyed) return;
    throw error;
  } finally {
    if (res.destroyed) await reader.cancel().catch(() => undefined);
  }
}
