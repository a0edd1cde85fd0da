import { Form } from '@remix-run/react';
import { FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';

/** A LiteLLM sync job as the loader sends it (dates as ISO strings). */
export interface LiteLlmSyncJson {
  id: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  version: number | null;
  createdBy: string;
  createdAt: string;
  runAt: string;
  finishedAt: string | null;
  attempts: number;
  maxAttempts: number;
  progress: { done: number; total: number } | null;
  counts: Record<'created' | 'updated' | 'unchanged' | 'blocked' | 'absent', number> | null;
  supersededBy: number | null;
  error: string | null;
}

export interface LiteLlmStatusJson {
  target: string | null;
  usdPerMillionTokens: number | null;
  latest: LiteLlmSyncJson | null;
  lastFinished: LiteLlmSyncJson | null;
}

/** The price per token LiteLLM's model_info wants, written out in full (5e-7 → 0.0000005). */
function perToken(usdPerMillionTokens: number): string {
  return (usdPerMillionTokens / 1e6).toFixed(12).replace(/0+$/, '').replace(/\.$/, '');
}

const stateBadge: Record<LiteLlmSyncJson['state'], string> = {
  queued: 'badge',
  running: 'badge',
  succeeded: 'badge badge-ok',
  failed: 'badge badge-danger',
  cancelled: 'badge badge-warn',
};

function SyncFacts({ job, title }: { job: LiteLlmSyncJson; title: string }) {
  const t = useT();
  const f = useFormat();
  return (
    <div className="card">
      <h3>{title}</h3>
      <dl className="facts">
        <dt>{t('tenants.litellm.state')}</dt>
        <dd>
          <span className={stateBadge[job.state]}>{t(`tenants.litellm.state.${job.state}`)}</span>
        </dd>
        <dt>{t('tenants.litellm.version')}</dt>
        <dd>{job.version ?? '—'}</dd>
        <dt>{t('tenants.litellm.requestedBy')}</dt>
        <dd>{job.createdBy}</dd>
        <dt>{t('tenants.litellm.queuedAt')}</dt>
        <dd><time dateTime={job.createdAt}>{f.dateTime(job.createdAt, { seconds: true })}</time></dd>
        {job.state === 'queued' && job.attempts > 0 ? (
          <>
            <dt>{t('tenants.litellm.nextAttempt')}</dt>
            <dd><time dateTime={job.runAt}>{f.dateTime(job.runAt, { seconds: true })}</time></dd>
          </>
        ) : null}
        {job.finishedAt ? (
          <>
            <dt>{t('tenants.litellm.finishedAt')}</dt>
            <dd><time dateTime={job.finishedAt}>{f.dateTime(job.finishedAt, { seconds: true })}</time></dd>
          </>
        ) : null}
        <dt>{t('tenants.litellm.attempts')}</dt>
        <dd>{`${job.attempts} / ${job.maxAttempts}`}</dd>
        {job.state === 'running' && job.progress ? (
          <>
            <dt>{t('tenants.litellm.progress')}</dt>
            <dd>
              <progress value={job.progress.done} max={job.progress.total || 1} aria-label={t('tenants.litellm.progress')} /> {`${job.progress.done} / ${job.progress.total}`}
            </dd>
          </>
        ) : null}
        {job.counts && job.supersededBy === null ? (
          <>
            <dt>{t('tenants.litellm.teams')}</dt>
            <dd>{t('tenants.litellm.counts', job.counts)}</dd>
          </>
        ) : null}
        {job.supersededBy !== null ? (
          <>
            <dt>{t('tenants.litellm.teams')}</dt>
            <dd>{t('tenants.litellm.superseded', { version: job.supersededBy })}</dd>
          </>
        ) : null}
        {job.error && job.state !== 'succeeded' ? (
          <>
            <dt>{t('tenants.litellm.error')}</dt>
            <dd className="alert alert-error">{job.error}</dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}

/** The LiteLLM side of the gateway limits: the budget price, the last syncs, and "Sync to LiteLLM now". */
export function LiteLlmPanel({ status, canSync, busy, error }: { status: LiteLlmStatusJson; canSync: boolean; busy: boolean; error: string | null }) {
  const t = useT();
  const f = useFormat();
  return (
    <section aria-labelledby="litellm-heading">
      <h2 id="litellm-heading">{t('tenants.litellm')}</h2>
      <FormError message={error} />
      <p>
        {status.usdPerMillionTokens === null
          ? t('tenants.litellm.budgetOff')
          : t('tenants.litellm.budgetOn', { price: f.number(status.usdPerMillionTokens, { max: 6 }), perToken: perToken(status.usdPerMillionTokens) })}
      </p>
      {status.target === null ? (
        <p className="muted">{t('tenants.litellm.off')}</p>
      ) : (
        <>
          <p className="muted">{t('tenants.litellm.target', { host: status.target })}</p>
          {status.latest ? (
            <div className="cards">
              <SyncFacts job={status.latest} title={t('tenants.litellm.last')} />
              {status.lastFinished ? <SyncFacts job={status.lastFinished} title={t('tenants.litellm.lastFinished')} /> : null}
            </div>
          ) : (
            <p>{t('tenants.litellm.never')}</p>
          )}
          {canSync ? (
            <Form method="post" className="stack">
              <CsrfInput />
              <input type="hidden" name="intent" value="litellm-sync" />
              <p className="muted">{t('tenants.litellm.syncHint')}</p>
              <button type="submit" disabled={busy}>{t('tenants.litellm.syncNow')}</button>
            </Form>
          ) : null}
        </>
      )}
    </section>
  );
}
