import client from 'prom-client';
import { singleton } from '../../core/singleton';

/** Controller metrics, on prom-client's default registry (served by server/http at /metrics). */
export const controllerMetrics = singleton('kube-controller-metrics', () => ({
  reconcileTotal: new client.Counter({
    name: 'leitstand_kube_reconcile_total',
    help: 'Reconciles run, by controller and result (applied, unchanged, deleted, drift, error)',
    labelNames: ['controller', 'result'] as const,
  }),
  reconcileErrors: new client.Counter({
    name: 'leitstand_kube_reconcile_errors_total',
    help: 'Reconciles that failed, by controller',
    labelNames: ['controller'] as const,
  }),
  queueDepth: new client.Gauge({
    name: 'leitstand_kube_queue_depth',
    help: 'Keys waiting in the work queue (not counting delayed retries), by controller',
    labelNames: ['controller'] as const,
  }),
  reconcileDuration: new client.Histogram({
    name: 'leitstand_kube_reconcile_duration_seconds',
    help: 'Reconcile duration, by controller',
    labelNames: ['controller'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  }),
  isLeader: new client.Gauge({
    name: 'leitstand_kube_leader',
    help: '1 when this replica holds the controller lease',
  }),
}));
