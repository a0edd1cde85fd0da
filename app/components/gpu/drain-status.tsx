import { Form, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { formatDateTime } from '~/components/auth/format';
import { CsrfInput } from '~/components/csrf-input';
import type { MessageKey } from '~/i18n/messages';
import { useLocale, useT } from '~/i18n/use-t';

/** The latest drain of a node as the loader sends it (dates as strings). */
export interface DrainStatusView {
  job: { id: string; state: string; attempts: number; maxAttempts: number; lastError: string | null; createdAt: string; finishedAt: string | null; cancelRequested: boolean; createdBy: string; runAt: string };
  evicted: number;
  total: number | null;
  remaining: string[];
  blockedBy: Array<{ pdb: string; disruptionsAllowed: number; currentHealthy: number; desiredHealthy: number; pods: string[] }>;
  result: { evicted: string[]; skipped: Array<{ pod: string; reason: string }> } | null;
}

const badge: Record<string, string> = { queued: 'badge-warn', running: 'badge-warn', succeeded: 'badge-ok', failed: 'badge-danger', cancelled: 'badge' };

/** Live progress of the node's drain job: evicted / remaining / blocked with the budget; refreshes while it runs. */
export function DrainStatus({ drain, canWrite }: { drain: DrainStatusView; canWrite: boolean }) {
  const t = useT();
  const locale = useLocale();
  const revalidator = useRevalidator();
  const busy = useNavigation().state === 'submitting';
  const { job } = drain;
  const active = job.state === 'queued' || job.state === 'running';
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (revalidator.state === 'idle' && document.visibilityState === 'visible') revalidator.revalidate();
    }, 1500);
    return () => clearInterval(timer);
  }, [active, revalidator]);
  const total = drain.total ?? drain.evicted + drain.remaining.length;
  return (
    <section className="card" aria-labelledby="drain-status">
      <h2 id="drain-status">
        {t('gpu.drain.title')} <span className={`badge ${badge[job.state] ?? 'badge'}`}>{t(`gpu.drain.state.${job.state}` as MessageKey)}</span>
      </h2>
      <p className="muted small">
        {t('gpu.drain.by', { name: job.createdBy, at: formatDateTime(job.createdAt, locale), attempt: job.attempts, max: job.maxAttempts })}
        {job.state === 'queued' && job.attempts > 0 ? ` ${t('gpu.drain.retryAt', { at: formatDateTime(job.runAt, locale) })}` : null}
      </p>
      {job.state === 'succeeded' && drain.result ? (
        <p role="status">{t('gpu.drain.done', { evicted: drain.result.evicted.length, skipped: drain.result.skipped.length })}</p>
      ) : (
        <p>
          <label htmlFor="drain-progress">{t('gpu.drain.progressLabel')}</label>{' '}
          <progress id="drain-progress" max={Math.max(total, 1)} value={drain.evicted}>
            {drain.evicted}/{total}
          </progress>{' '}
          <span aria-live="polite">{t('gpu.drain.progress', { evicted: drain.evicted, total, remaining: drain.remaining.length })}</span>
        </p>
      )}
      {drain.blockedBy.length > 0 && job.state !== 'succeeded' ? (
        <ul className="alert alert-error" role="alert">
          {drain.blockedBy.map((b) => (
            <li key={b.pdb}>{t('gpu.node.blockedBy', { pdb: b.pdb, allowed: b.disruptionsAllowed, healthy: b.currentHealthy, desired: b.desiredHealthy, pods: b.pods.join(', ') })}</li>
          ))}
        </ul>
      ) : null}
      {drain.remaining.length > 0 && job.state !== 'succeeded' ? (
        <>
          <h3>{t('gpu.drain.remaining')}</h3>
          <ul>
            {drain.remaining.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </>
      ) : null}
      {job.lastError && job.state !== 'succeeded' ? (
        <details open={job.state === 'failed'}>
          <summary>{t('gpu.drain.lastError')}</summary>
          <p className="muted small">{job.lastError}</p>
        </details>
      ) : null}
      {job.state === 'failed' ? <p>{t('gpu.drain.failedHint')}</p> : null}
      {active && canWrite && !job.cancelRequested ? (
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value="drain-cancel" />
          <button type="submit" disabled={busy}>{t('gpu.drain.cancel')}</button>
        </Form>
      ) : null}
    </section>
  );
}
