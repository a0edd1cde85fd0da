import client from 'prom-client';
import { getDatabaseHandle } from '../../db/client';
import { log } from '../core/log';
import { singleton } from '../core/singleton';
import { AT_RISK_DAYS, deadlineDashboard } from './requests';

/**
 * Erasure deadlines on prom-client's default registry (/metrics), read from the table at
 * scrape time, so every replica reports the same cluster-wide numbers (use `max`).
 */
export function privacyMetrics() {
  return singleton('privacy-metrics', () => {
    let pending: Promise<Awaited<ReturnType<typeof deadlineDashboard>> | null> | undefined;
    const snapshot = () => {
      if (pending) return pending;
      let db;
      try {
        db = getDatabaseHandle().db;
      } catch {
        return Promise.resolve(null);
      }
      pending = deadlineDashboard(db)
        .catch((error: unknown) => {
          log.warn({ err: error }, 'could not read erasure deadlines for metrics');
          return null;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    };
    return {
      atRisk: new client.Gauge({
        name: 'leitstand_privacy_erasure_requests_at_risk',
        help: `Open erasure requests with 0 to ${AT_RISK_DAYS} days left before their (extended) deadline; overdue ones are counted in leitstand_privacy_erasure_requests_overdue`,
        async collect() {
          const s = await snapshot();
          if (s) this.set(s.atRisk);
        },
      }),
      overdue: new client.Gauge({
        name: 'leitstand_privacy_erasure_requests_overdue',
        help: 'Open erasure requests past their (extended) deadline',
        async collect() {
          const s = await snapshot();
          if (s) this.set(s.overdue);
        },
      }),
      open: new client.Gauge({
        name: 'leitstand_privacy_erasure_requests_open',
        help: 'Erasure requests not yet completed, refused or rejected',
        async collect() {
          const s = await snapshot();
          if (s) this.set(s.open.length);
        },
      }),
    };
  });
}
