import http from 'node:http';
import https from 'node:https';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  HttpMethod,
  type KubeConfig,
  type Middleware,
  PolicyV1Api,
  type RequestContext,
  ServerConfiguration,
  VersionApi,
  Watch,
  createConfiguration,
} from '@kubernetes/client-node';
import { TokenBucket } from './controller/rate-limiter';

/** Label every object Leitstand creates carries; deletes only ever touch objects with it. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'leitstand';
/** Field manager for server-side apply and for every write. */
export const FIELD_MANAGER = 'leitstand';

export interface KubeClientOptions {
  /** Client-side rate limit (token bucket) shared by every request of this client. */
  qps?: number;
  burst?: number;
  /** Per-request time-out in ms (watches excepted: they are long-lived by design). */
  timeoutMs?: number;
}

/** A Kubernetes API error reduced to what callers decide on. */
export interface KubeApiError {
  code: number;
  /** The Status reason (NotFound, Conflict, AlreadyExists, TooManyRequests…) or a transport error. */
  reason: string;
  message: string;
  /** Status details (e.g. the SSA conflict causes). */
  causes?: Array<{ field?: string; message?: string; reason?: string }>;
  retryAfterSeconds?: number;
}

/** Turns anything thrown by the client library into a KubeApiError. */
export function toKubeError(error: unknown): KubeApiError {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'number') {
    const e = error as { code: number; body?: unknown; headers?: Record<string, string>; message?: string };
    return fromStatusBody(e.code, e.body, e.headers, e.message);
  }
  if (error instanceof Error) {
    const aborted = error.name === 'AbortError' || error.name === 'TimeoutError' || /aborted|timed? ?out/i.test(error.message);
    return { code: 0, reason: aborted ? 'Timeout' : 'TransportError', message: error.message };
  }
  return { code: 0, reason: 'Unknown', message: String(error) };
}

function fromStatusBody(code: number, body: unknown, headers: Record<string, string> | undefined, fallback?: string): KubeApiError {
  let status: Record<string, unknown> | undefined;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body) as Record<string, unknown>;
    } catch {
      status = undefined;
    }
  } else if (body && typeof body === 'object') {
    status = body as Record<string, unknown>;
  }
  const details = status?.details as { causes?: KubeApiError['causes']; retryAfterSeconds?: number } | undefined;
  const retryHeader = headers?.['retry-after'];
  return {
    code,
    reason: typeof status?.reason === 'string' && status.reason ? status.reason : defaultReason(code),
    message: typeof status?.message === 'string' ? status.message : (fallback ?? `HTTP ${code}`),
    ...(details?.causes ? { causes: details.causes } : {}),
    ...(details?.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: details.retryAfterSeconds }
      : retryHeader && Number.isFinite(Number(retryHeader))
        ? { retryAfterSeconds: Number(retryHeader) }
        : {}),
  };
}

function defaultReason(code: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    409: 'Conflict',
    410: 'Expired',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[code] ?? `HTTP${code}`;
}

/** True for failures worth retrying as they are: throttling, server errors, time-outs, transport. */
export function isTransient(error: KubeApiError): boolean {
  return error.code === 0 || error.code === 429 || error.code >= 500;
}

/** A raw API response; `body` is parsed JSON when the server sent JSON. */
export interface RawResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

/**
 * One connection to an API server: the typed APIs of @kubernetes/client-node 1.x, all sharing
 * one configuration whose middleware applies the client-side rate limit and the request
 * time-out, plus a raw JSON path for the generic controller (no model round-trip, so unknown
 * and custom fields survive drift comparison).
 */
export class KubeClient {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly coordination: CoordinationV1Api;
  readonly policy: PolicyV1Api;
  readonly custom: CustomObjectsApi;
  readonly version: VersionApi;
  readonly watcher: Watch;
  readonly limiter: TokenBucket;
  readonly server: string;
  readonly timeoutMs: number;
  /** Requests sent through this client, by HTTP verb (for tests and benchmarks). */
  readonly requestCounts: Record<string, number> = {};
  private readonly configuration: ReturnType<typeof createConfiguration>;
  private sharedAgent: http.Agent | undefined;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: KubeClientOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('The kubeconfig has no current cluster.');
    this.server = cluster.server.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.limiter = new TokenBucket(options.qps ?? 100, options.burst ?? 200);
    const gate: Middleware = {
      pre: async (context) => {
        await this.admit(context);
        return context;
      },
      post: async (response) => response,
    };
    this.configuration = createConfiguration({
      baseServer: new ServerConfiguration(this.server, {}),
      authMethods: { default: kubeConfig },
      promiseMiddleware: [gate],
    });
    this.core = new CoreV1Api(this.configuration);
    this.apps = new AppsV1Api(this.configuration);
    this.coordination = new CoordinationV1Api(this.configuration);
    this.policy = new PolicyV1Api(this.configuration);
    this.custom = new CustomObjectsApi(this.configuration);
    this.version = new VersionApi(this.configuration);
    this.watcher = new Watch(kubeConfig);
  }

  /**
   * client-node 1.x builds a new Agent for every request (a new TCP/TLS connection each
   * time). The agent options come from the kubeconfig's cluster and user, fixed for this
   * client, so one keep-alive agent with the same options serves every request.
   */
  private reuseAgent(context: RequestContext): void {
    const agent = context.getAgent();
    if (!agent || (agent.constructor !== http.Agent && agent.constructor !== https.Agent)) return;
    if (!this.sharedAgent) {
      const options = (agent as http.Agent & { options?: http.AgentOptions }).options ?? {};
      const Ctor = agent.constructor as typeof http.Agent;
      this.sharedAgent = new Ctor({ ...options, keepAlive: true, maxSockets: 32 });
    }
    context.setAgent(this.sharedAgent);
  }

  /** Waits for a rate-limit token and arms the request time-out. */
  private async admit(context: RequestContext): Promise<void> {
    this.reuseAgent(context);
    await this.limiter.take();
    const verb = context.getHttpMethod().toString();
    this.requestCounts[verb] = (this.requestCounts[verb] ?? 0) + 1;
    context.setSignal(AbortSignal.timeout(this.timeoutMs));
  }

  /**
   * Sends one JSON request through the same auth, rate limit and time-out as the typed APIs.
   * Never throws for an HTTP status; throws only for transport errors and time-outs.
   */
  async request<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown; contentType?: string } = {},
  ): Promise<RawResponse<T>> {
    const context = this.configuration.baseServer.makeRequestContext(path, HttpMethod[method]);
    context.setHeaderParam('Accept', 'application/json');
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) context.setQueryParam(k, v);
    if (options.body !== undefined) {
      context.setHeaderParam('Content-Type', options.contentType ?? 'application/json');
      context.setBody(JSON.stringify(options.body));
    }
    await this.kubeConfig.applySecurityAuthentication(context);
    await this.admit(context);
    const response = await this.configuration.httpApi.send(context).toPromise();
    const text = await response.body.text();
    let body: unknown = text;
    if (text && (response.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.httpStatusCode, body: body as T, headers: response.headers };
  }

  /** Turns a non-2xx raw response into a KubeApiError. */
  static errorOf(response: RawResponse): KubeApiError {
    return fromStatusBody(response.status, response.body, response.headers);
  }

  /** Stops handing out rate-limit tokens (pending requests fail). */
  close(): void {
    this.limiter.close();
    this.sharedAgent?.destroy();
  }
}
