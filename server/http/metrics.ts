import client from 'prom-client';
import { singleton } from '../core/singleton';

/** The process metrics registry; other contexts register on it through their own index. */
export const registry = singleton('metrics-registry', () => {
  const r = client.register;
  client.collectDefaultMetrics({ register: r });
  return r;
});

export const httpRequestDuration = singleton(
  'metric-http-duration',
  () =>
    new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
);
