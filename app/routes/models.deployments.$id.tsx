import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { Field, FormError, Notice, useMessage } from '~/components/auth/field';
import { EventsTable } from '~/components/cluster/events-table';
import { CsrfInput } from '~/components/csrf-input';
import { Select } from '~/components/models/fields';
import { PlacementReport, type PlacementReportData } from '~/components/models/placement-report';
import type { MessageKey } from '~/i18n/messages';
import { formatDateTime, useFormat } from '~/i18n/format';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import {
  abortCanary,
  deploymentJson,
  deploymentManifestsYaml,
  deploymentProgress,
  getDeployment,
  listDeploymentObjects,
  listRollouts,
  listVersions,
  modelAction,
  modelRefusal,
  promoteCanary,
  readModelForm,
  rollbackDeployment,
  startCanary,
  stepCanary,
  undeployModel,
} from '~/utils/models.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'models:read', actionPermission: 'models:write' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data && `${data.deployment.namespace}/${data.deployment.name}`, { key: 'models.title' });

/** The catalog label of each field a rollout's diff names (`settings.<name>` for engine settings). */
const changeLabels: Record<string, MessageKey> = {
  name: 'models.deployment.name',
  namespace: 'models.deployment.namespace',
  engine: 'models.deployment.engine',
  replicas: 'models.deployment.replicas',
  gpusPerReplica: 'models.deploy.gpus',
  gpuProduct: 'models.deploy.product',
  pool: 'models.deploy.pool',
  cpu: 'models.deploy.cpu',
  memory: 'models.deploy.memory',
  stableVersionId: 'models.deployment.stable',
  canaryVersionId: 'models.deployment.canary',
  canaryWeight: 'models.canary.weight',
  canaryReplicas: 'models.canary.replicas',
  'settings.tensorParallelSize': 'models.deploy.tp',
  'settings.maxModelLen': 'models.deploy.maxLen',
  'settings.gpuMemoryUtilization': 'models.deploy.gpuMem',
  'settings.extraArgs': 'models.deploy.extraArgs',
};

type ChangeValue = string | number | null;

/** A rollout's diff, field by field, with version ids as their labels (null where unset). */
function changeList(changes: Record<string, [unknown, unknown]>, labelOf: Map<string, string>): Array<{ field: string; before: ChangeValue; after: ChangeValue }> {
  const value = (field: string, v: unknown): ChangeValue => {
    if (v === null || v === undefined) return null;
    if (field.endsWith('VersionId')) return labelOf.get(String(v)) ?? String(v);
    if (Array.isArray(v)) return v.join(' ');
    return typeof v === 'number' ? v : String(v);
  };
  return Object.entries(changes).map(([field, [before, after]]) => ({ field, before: value(field, before), after: value(field, after) }));
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'models:read');
  return loaderWork(async () => {
    const d = await getDeployment(params.id ?? '');
    const [objects, rollouts, versions] = await Promise.all([listDeploymentObjects(d), listRollouts(d.id), listVersions(d.modelId)]);
    const progress = await deploymentProgress(d, objects);
    const labelOf = new Map(versions.map((v) => [v.id, v.label]));
    return json({
      deployment: { ...deploymentJson({ ...d, stableLabel: labelOf.get(d.stableVersionId) ?? null, canaryLabel: d.canaryVersionId ? (labelOf.get(d.canaryVersionId) ?? null) : null }), previousLabel: d.previousVersionId ? (labelOf.get(d.previousVersionId) ?? null) : null },
      progress,
      objects: objects.map((o) => ({ kind: o.kind, name: o.name, applied: o.appliedGeneration === o.generation, deleting: Boolean(o.deletionRequestedAt), error: o.lastError, drift: o.driftDescription })),
      rollouts: rollouts.map((r) => ({ id: r.id, revision: r.revision, kind: r.kind, from: r.fromLabel, to: r.toLabel, weight: r.canaryWeight, reason: r.reason, actor: r.actorName, at: r.createdAt.toISOString(), changes: changeList(r.changes, labelOf), job: r.job })),
      canaryCandidates: versions.filter((v) => (v.stage === 'staging' || v.stage === 'production') && v.id !== d.stableVersionId).map((v) => ({ value: v.id, label: v.label, stage: v.stage })),
      manifests: d.removedAt ? '' : await deploymentManifestsYaml(d),
      canWrite: Boolean(user?.permissions.includes('models:write')),
    });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'models:write');
  const id = params.id ?? '';
  return modelAction(async () => {
    const form = await readModelForm(request);
    const intent = String(form.intent ?? '');
    try {
      switch (intent) {
        case 'canary-start':
          await startCanary(actor, id, form);
          break;
        case 'canary-step':
          await stepCanary(actor, id, form);
          break;
        case 'canary-promote':
          await promoteCanary(actor, id, form);
          break;
        case 'canary-abort':
          await abortCanary(actor, id, form);
          break;
        case 'rollback':
          await rollbackDeployment(actor, id, form);
          break;
        case 'undeploy':
          await undeployModel(actor, id, form);
          break;
        default:
          return json({ ok: false as const, formError: 'Unknown action.', fieldErrors: {}, intent: '' }, { status: 400 });
      }
    } catch (error) {
      // A refusal is shown next to its action: a placement refusal (canary start, promote, rollback) with the report, as
      // the deploy page does; a version whose context is shorter than the max model length with the way out.
      const refused = modelRefusal(error);
      if (refused) return json({ ...refused, intent }, { status: 400 });
      throw error;
    }
    return json({ ok: true as const, done: intent });
  });
}

type Result = { ok: true; done: string } | { ok: false; formError: string; fieldErrors: Record<string, string[]>; intent?: string; placement?: PlacementReportData };

export default function DeploymentPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const t = useT();
  const locale = useLocale();
  const f = useFormat();
  const show = (v: ChangeValue) => (v === null ? '—' : typeof v === 'number' ? f.number(v) : v);
  const d = data.deployment;
  const p = data.progress;
  const busy = navigation.state === 'submitting';
  const fe = result && !result.ok ? result.fieldErrors : {};
  /** The placement report of a refused action, shown next to that action. */
  const refusal = (intent: string) => {
    if (!result || result.ok || result.intent !== intent) return null;
    if (result.placement) return <PlacementReport data={result.placement} />;
    // The version's context is shorter than the deployment's max model length: the setting is changed on the edit page.
    if (fe.maxModelLen?.length) {
      return (
        <div className="alert alert-error" role="alert">
          {fe.maxModelLen.map((m) => (
            <p key={m}>{m}</p>
          ))}
          <p>
            <Link to={`/models/deployments/${d.id}/edit`}>{t('models.edit.lowerMaxModelLen')}</Link>
          </p>
        </div>
      );
    }
    return null;
  };
  // The job following the newest rollout records its outcome a moment after the pods are ready.
  const following = data.rollouts[0]?.job?.state === 'running';
  const settled = (d.removedAt ? data.objects.length === 0 : p.ready) && !following;
  // Live progress: re-read while the rollout moves (the controller works in the background).
  useEffect(() => {
    if (settled) return;
    const timer = setInterval(() => {
      if (revalidator.state === 'idle' && document.visibilityState === 'visible') revalidator.revalidate();
    }, 1500);
    return () => clearInterval(timer);
  }, [settled, revalidator]);
  return (
    <>
      <p>
        <Link to={`/models/${encodeURIComponent(d.model ?? '')}`}>{d.model}</Link>
      </p>
      <h1>
        {d.namespace}/{d.name}
      </h1>
      {result?.ok ? <Notice>{t(`models.done.${result.done}` as MessageKey)}</Notice> : null}
      {result && !result.ok && !result.placement ? <FormError message={result.formError} /> : null}
      <dl className="facts">
        <dt>{t('models.deployment.engine')}</dt>
        <dd>{d.engine}</dd>
        <dt>{t('models.deployment.stable')}</dt>
        <dd>{d.stableLabel}</dd>
        <dt>{t('models.deployment.canary')}</dt>
        <dd>{d.canaryLabel ? t('models.deployment.canaryShare', { label: d.canaryLabel, weight: d.canaryWeight }) : '—'}</dd>
        <dt>{t('models.deployment.previous')}</dt>
        <dd>{d.previousLabel ?? '—'}</dd>
        <dt>{t('models.deployment.replicas')}</dt>
        <dd>
          {d.replicas} × {d.gpusPerReplica} GPU{d.gpuProduct ? ` (${d.gpuProduct})` : ''}, {d.cpu} CPU, {d.memory}
        </dd>
        <dt>{t('models.deployment.revision')}</dt>
        <dd>{d.revision}</dd>
      </dl>

      <section className="card" aria-labelledby="progress-heading" aria-live="polite">
        <h2 id="progress-heading">{t('models.progress.title')}</h2>
        <p>
          {d.removedAt ? (
            <span className="badge">{t('models.progress.removed')}</span>
          ) : p.ready ? (
            <span className="badge badge-ok">{t('models.progress.ready')}</span>
          ) : (
            <span className="badge badge-warn">{t('models.progress.rolling')}</span>
          )}
        </p>
        {p.clusterError ? <p className="alert alert-warn">{t('cluster.loadFailed', { reason: p.clusterError })}</p> : null}
        {p.failures.length > 0 ? (
          <div className="alert alert-error" role="alert">
            <p>{t('models.progress.failures')}</p>
            <ul>
              {p.failures.map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          </div>
        ) : null}
        <div className="table-wrap" role="region" aria-label={t('models.progress.tracks')} tabIndex={0}>
          <table>
            <caption>{t('models.progress.tracks')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('models.progress.track')}</th>
                <th scope="col">{t('models.progress.applied')}</th>
                <th scope="col" className="num">{t('models.progress.desired')}</th>
                <th scope="col" className="num">{t('models.progress.updated')}</th>
                <th scope="col" className="num">{t('models.progress.readyCount')}</th>
                <th scope="col" className="num">{t('models.progress.available')}</th>
              </tr>
            </thead>
            <tbody>
              {p.tracks.map((tr) => (
                <tr key={tr.track}>
                  <td>{t(`models.progress.track.${tr.track}` as MessageKey)}</td>
                  <td>{tr.applied ? t('models.yes') : t('models.no')}</td>
                  <td className="num">{tr.desired}</td>
                  <td className="num">{tr.updated}</td>
                  <td className="num">{tr.ready}</td>
                  <td className="num">{tr.available}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="table-wrap" role="region" aria-label={t('models.progress.pods')} tabIndex={0}>
          <table>
            <caption>{t('models.progress.pods')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('models.progress.pod')}</th>
                <th scope="col">{t('models.progress.track')}</th>
                <th scope="col">{t('models.version.label')}</th>
                <th scope="col">{t('models.progress.node')}</th>
                <th scope="col">{t('models.progress.phase')}</th>
                <th scope="col">{t('models.progress.podReady')}</th>
                <th scope="col">{t('models.progress.problem')}</th>
              </tr>
            </thead>
            <tbody>
              {p.pods.map((pod) => (
                <tr key={pod.name}>
                  <td>{pod.name}</td>
                  <td>{pod.track === 'stable' || pod.track === 'canary' ? t(`models.progress.track.${pod.track}`) : (pod.track ?? '—')}</td>
                  <td>{pod.version}</td>
                  <td>{pod.node ?? '—'}</td>
                  <td>{pod.phase}</td>
                  <td>{pod.ready ? t('models.yes') : t('models.no')}</td>
                  <td>{pod.problem ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h3>{t('cluster.events')}</h3>
        <EventsTable events={p.events} caption={t('cluster.events')} />
      </section>

      {data.canWrite && !d.removedAt ? (
        <section className="card" aria-labelledby="actions-heading">
          <h2 id="actions-heading">{t('models.rollout.actions')}</h2>
          <p>
            <Link to={`/models/deployments/${d.id}/edit`}>{t('models.edit.link')}</Link>
          </p>
          {d.canaryVersionId ? (
            <>
              <Form method="post" className="inline-form">
                <CsrfInput />
                <input type="hidden" name="intent" value="canary-step" />
                <Field name="weight" idPrefix="step-" label={t('models.canary.weight')} type="number" defaultValue={String(Math.min(99, d.canaryWeight * 2 || 10))} errors={fe.weight} />
                <button type="submit" disabled={busy}>
                  {t('models.canary.step')}
                </button>
              </Form>
              <Form method="post" className="inline-form">
                <CsrfInput />
                <input type="hidden" name="intent" value="canary-promote" />
                <button type="submit" disabled={busy}>
                  {t('models.canary.promote')}
                </button>
              </Form>
              {refusal('canary-promote')}
              <Form method="post" className="inline-form">
                <CsrfInput />
                <input type="hidden" name="intent" value="canary-abort" />
                <Field name="reason" idPrefix="abort-" label={t('models.rollout.reason')} errors={fe.reason} />
                <button type="submit" className="danger" disabled={busy}>
                  {t('models.canary.abort')}
                </button>
              </Form>
            </>
          ) : data.canaryCandidates.length > 0 ? (
            <Form method="post" className="stack">
              <CsrfInput />
              <input type="hidden" name="intent" value="canary-start" />
              <h3>{t('models.canary.start')}</h3>
              <Select name="versionId" idPrefix="canary-" label={t('models.deploy.version')} options={data.canaryCandidates.map((c) => ({ value: c.value, label: `${c.label} (${t(`models.stage.${c.stage}` as MessageKey)})` }))} errors={fe.versionId} />
              <Field name="weight" idPrefix="canary-" label={t('models.canary.weight')} type="number" defaultValue="10" errors={fe.weight} />
              <Field name="replicas" idPrefix="canary-" label={t('models.canary.replicas')} type="number" defaultValue="1" errors={fe.replicas} />
              <Field name="reason" idPrefix="canary-" label={t('models.rollout.reason')} errors={fe.reason} />
              <button type="submit" disabled={busy}>
                {t('models.canary.startButton')}
              </button>
            </Form>
          ) : null}
          {refusal('canary-start')}
          {d.previousVersionId ? (
            <Form method="post" className="inline-form">
              <CsrfInput />
              <input type="hidden" name="intent" value="rollback" />
              <Field name="reason" idPrefix="rollback-" label={t('models.rollout.reason')} errors={fe.reason} />
              <button type="submit" className="danger" disabled={busy}>
                {t('models.rollback', { label: d.previousLabel ?? '' })}
              </button>
            </Form>
          ) : null}
          {refusal('rollback')}
          <Form method="post" className="inline-form">
            <CsrfInput />
            <input type="hidden" name="intent" value="undeploy" />
            <Field name="reason" idPrefix="undeploy-" label={t('models.rollout.reason')} errors={fe.reason} />
            <button type="submit" className="danger" disabled={busy}>
              {t('models.undeploy')}
            </button>
          </Form>
        </section>
      ) : null}

      <h2>{t('models.rollout.history')}</h2>
      <div className="table-wrap" role="region" aria-label={t('models.rollout.history')} tabIndex={0}>
        <table>
          <caption className="visually-hidden">{t('models.rollout.history')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('models.rollout.when')}</th>
              <th scope="col">{t('models.rollout.who')}</th>
              <th scope="col">{t('models.rollout.what')}</th>
              <th scope="col">{t('models.rollout.versions')}</th>
              <th scope="col">{t('models.rollout.reason')}</th>
              <th scope="col">{t('models.rollout.changed')}</th>
              <th scope="col">{t('models.rollout.outcome')}</th>
            </tr>
          </thead>
          <tbody>
            {data.rollouts.map((r) => (
              <tr key={r.id}>
                <td className="nowrap">{formatDateTime(r.at, locale)}</td>
                <td>{r.actor}</td>
                <td>{t(`models.rollout.kind.${r.kind}` as MessageKey, { weight: r.weight })}</td>
                <td>{[r.from, r.to].filter(Boolean).join(' → ')}</td>
                <td>{r.reason}</td>
                <td>
                  {r.changes.length > 0 ? (
                    <ul className="plain">
                      {r.changes.map((c) => (
                        <li key={c.field}>
                          {changeLabels[c.field] ? t(changeLabels[c.field]!) : c.field}: {show(c.before)} → {show(c.after)}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </td>
                <td>
                  <RolloutOutcome job={r.job} revision={r.revision} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>{t('models.objects')}</h2>
      <ul>
        {data.objects.map((o) => (
          <li key={`${o.kind}/${o.name}`}>
            {o.kind} {o.name}: {o.deleting ? t('models.objects.deleting') : o.applied ? t('models.objects.applied') : t('models.objects.pending')}
            {o.error ? ` — ${o.error}` : ''}
            {o.drift ? ` — ${o.drift}` : ''}
          </li>
        ))}
      </ul>
      {data.manifests ? (
        <details>
          <summary>{t('models.manifests')}</summary>
          <pre tabIndex={0}>
            <code>{data.manifests}</code>
          </pre>
        </details>
      ) : null}
    </>
  );
}

type JobState = { state: string; progress: { done: number; total: number; message: string | null } | null; result?: unknown; lastError: string | null } | null;

/** How the job following a rollout stands: a progress bar while it runs, then how it ended. */
function RolloutOutcome({ job, revision }: { job: JobState; revision: number }) {
  const t = useT();
  // The job's progress note is a message key ("n of m replicas ready") or a Kubernetes failure text.
  const message = useMessage();
  if (!job) return <>—</>;
  const result = (job.result ?? {}) as { outcome?: string; byRevision?: number };
  switch (job.state) {
    case 'queued':
      return <>{t('models.rollout.outcome.queued')}</>;
    case 'running':
      return (
        <>
          {t('models.rollout.outcome.running')}{' '}
          {job.progress ? <progress value={job.progress.done} max={job.progress.total} aria-label={t('models.rollout.outcome.progress', { revision })} /> : null}
          {job.progress?.message ? <span className="hint"> {message(job.progress.message)}</span> : null}
        </>
      );
    case 'succeeded':
      if (result.outcome === 'superseded') return <>{t('models.rollout.outcome.superseded', { revision: result.byRevision ?? '' })}</>;
      if (result.outcome === 'removed') return <>{t('models.rollout.outcome.removed')}</>;
      return <>{t('models.rollout.outcome.ready')}</>;
    case 'failed':
      return (
        <>
          <span className="badge badge-warn">{t('models.rollout.outcome.failed')}</span> {job.lastError}
        </>
      );
    default:
      return <>{t('models.rollout.outcome.cancelled')}</>;
  }
}
