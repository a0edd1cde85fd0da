import { Form, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { formatDateTime } from '~/i18n/format';
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
  /** What the drain was started with; absent from views built before acknowledgements existed. */
  acknowledged?: Record<DrainAcknowledgement, boolean>;
  /** Acknowledgements it lacks for pods on the node now. */
  needs?: DrainAcknowledgement[];
  /** Every pod of the drain as it stands now (the job's pods, and while it runs the node's new ones). */
  pods: Array<{
    pod: string;
    state: 'waiting' | 'evicting' | 'blocked' | 'failed' | 'gone';
    pdbs: string[];
    /** `blocked`: acknowledgements the drain was started without. */
    needs?: DrainAcknowledgement[];
    reason: string | null;
    evictedByDrain: boolean;
  }>;
  result: { evicted: string[]; gone: string[]; skipped: Array<{ pod: string; reason: string }> } | null;
}

/** kubectl drain's --force and --delete-emptydir-data (server/gpu's DRAIN_ACKNOWLEDGEMENTS). */
export type DrainAcknowledgement = 'force' | 'deleteEmptyDirData';

/** Acknowledgements by their names on the page, joined. */
export function useAckNames(): (acks: readonly DrainAcknowledgement[]) => string {
  const t = useT();
  return (acks) => acks.map((a) => t(`gpu.ack.${a}`)).join(', ');
}

const podBadge: Record<DrainStatusView['pods'][number]['state'], string> = {
  waiting: 'badge',
  evicting: 'badge badge-warn',
  blocked: 'badge badge-danger',
  failed: 'badge badge-danger',
  gone: 'badge badge-ok',
};

/** One pod's state in words: blocked names its budgets or the acknowledgements it lacks, failed its reason, gone whether this drain evicted it. */
function PodState({ pod }: { pod: DrainStatusView['pods'][number] }) {
  const t = useT();
  const ackNames = useAckNames();
  const label =
    pod.state === 'gone' ? t(pod.evictedByDrain ? 'gpu.drain.pod.goneEvicted' : 'gpu.drain.pod.goneElsewhere') : t(`gpu.drain.pod.${pod.state}` as MessageKey);
  return (
    <>
      <span className={podBadge[pod.state]}>{label}</span>
      {pod.state === 'blocked' && pod.pdbs.length > 0 ? <> {t('gpu.drain.pod.blockedBy', { pdbs: pod.pdbs.join(', ') })}</> : null}
      {pod.state === 'blocked' && pod.needs?.length ? (
        <>
          {' '}
          {t('gpu.drain.pod.needs', { acks: ackNames(pod.needs) })}
          {pod.reason ? <span className="muted small"> ({pod.reason})</span> : null}
        </>
      ) : null}
      {pod.state === 'failed' && pod.reason ? <span className="muted small"> {pod.reason}</span> : null}
    </>
  );
}

const badge: Record<string, string> = { queued: 'badge-warn', running: 'badge-warn', succeeded: 'badge-ok', failed: 'badge-danger', cancelled: 'badge' };

/** Live progress of the node's drain job: evicted / remaining / blocked with the budget; refreshes while it runs. */
export function DrainStatus({ drain, canWrite }: { drain: DrainStatusView; canWrite: boolean }) {
  const t = useT();
  const ackNames = useAckNames();
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
  const acknowledged = (['force', 'deleteEmptyDirData'] as const).filter((a) => drain.acknowledged?.[a]);
  return (
    <section className="card" aria-labelledby="drain-status">
      <h2 id="drain-status">
        {t('gpu.drain.title')} <span className={`badge ${badge[job.state] ?? 'badge'}`}>{t(`gpu.drain.state.${job.state}` as MessageKey)}</span>
      </h2>
      <p className="muted small">
        {t('gpu.drain.by', { name: job.createdBy, at: formatDateTime(job.createdAt, locale), attempt: job.attempts, max: job.maxAttempts })}
        {job.state === 'queued' && job.attempts > 0 ? ` ${t('gpu.drain.retryAt', { at: formatDateTime(job.runAt, locale) })}` : null}
        {acknowledged.length > 0 ? ` ${t('gpu.drain.acknowledged', { acks: ackNames(acknowledged) })}` : null}
      </p>
      {job.state === 'succeeded' && drain.result ? (
        <p role="status">
          {t('gpu.drain.done', { evicted: drain.result.evicted.length, skipped: drain.result.skipped.length })}
          {drain.result.gone.length > 0 ? ` ${t('gpu.drain.doneGone', { gone: drain.result.gone.length })}` : null}
        </p>
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
      {drain.needs?.length && job.state !== 'succeeded' ? (
        <p className="alert alert-error" role="alert">
          {t('gpu.drain.needs', { acks: ackNames(drain.needs) })}
        </p>
      ) : null}
      {drain.pods.length > 0 ? (
        <div className="table-wrap" role="region" aria-label={t('gpu.drain.pods')} tabIndex={0}>
          <table>
            <caption>{t('gpu.drain.pods')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('gpu.drain.pod')}</th>
                <th scope="col">{t('gpu.drain.podState')}</th>
              </tr>
            </thead>
            <tbody>
              {drain.pods.map((p) => (
                <tr key={p.pod}>
                  <td>{p.pod}</td>
                  <td>
                    <PodState pod={p} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
