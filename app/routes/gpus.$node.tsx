import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { DrainStatus } from '~/components/gpu/drain-status';
import { type MaintenanceResult, NodeMaintenance } from '~/components/gpu/node-maintenance';
import { EventsTable } from '~/components/cluster/events-table';
import { GeneralErrorBoundary } from '~/components/error-boundary';
import { useT } from '~/i18n/use-t';
import { englishMessage, requirePermission } from '~/utils/auth.server';
import { getNode, listEvents, readCluster } from '~/utils/cluster.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { cancelDrain, cordonNode, getNodeDrain, gpuFigures, gpuNodeNotFound, migLayoutNames, previewDrain, previewMigLayout, setMigLayout, startDrain, uncordonNode } from '~/utils/gpu.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'gpu:read', actionPermission: 'gpu:write' };

export const meta: MetaFunction = ({ matches, params }) => pageTitle(matches, params.node, { key: 'gpus.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { principal } = await requirePermission(request, 'gpu:read');
  const name = params.node ?? '';
  const node = await getNode(name).catch((error: unknown) => {
    throw json({ error: error instanceof Error ? error.message : String(error) }, { status: 503 });
  });
  if (!node) {
    const key = gpuNodeNotFound(name);
    throw json({ error: englishMessage(key), messageKey: key }, { status: 404 });
  }
  const events = await readCluster(() => listEvents({ involvedObject: { kind: 'Node', name }, limit: 20 }), []);
  const podEvents = await readCluster(
    () => Promise.all(node.pods.slice(0, 10).map((p) => listEvents({ namespace: p.namespace, involvedObject: { kind: 'Pod', name: p.name }, limit: 5 }))),
    [],
  );
  const drain = await getNodeDrain(name);
  const allEvents = [...events.value, ...podEvents.value.flat()].sort((a, b) =>
    (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? ''),
  );
  return json({
    node,
    // Physical GPUs and MIG slices per profile, as the inventory counts them.
    figures: gpuFigures(node),
    events: allEvents.slice(0, 30),
    eventsError: events.error ?? podEvents.error,
    canWrite: principal.permissions.includes('gpu:write'),
    migLayouts: migLayoutNames,
    drain,
  });
}

/** Maintenance: cordon, uncordon, drain preview, drain (confirmed; a job), stop the drain, MIG layout preview and change. */
export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'gpu:write');
  const name = params.node ?? '';
  return formAction(async () => {
    const data = await parseForm(
      request,
      z.looseObject({ intent: z.enum(['cordon', 'uncordon', 'drain-preview', 'drain', 'drain-cancel', 'mig-preview', 'mig'], { error: 'Unknown action.' }) }),
    );
    switch (data.intent) {
      case 'cordon':
        await cordonNode(actor, name);
        return json({ ok: true as const, intent: data.intent });
      case 'uncordon':
        await uncordonNode(actor, name);
        return json({ ok: true as const, intent: data.intent });
      case 'drain-preview':
        return json({ ok: true as const, intent: data.intent, preview: await previewDrain(name) });
      case 'drain':
        return json({ ok: true as const, intent: data.intent, ...(await startDrain(actor, name, data)) });
      case 'drain-cancel':
        await cancelDrain(actor, name);
        return json({ ok: true as const, intent: data.intent });
      case 'mig-preview':
        return json({ ok: true as const, intent: data.intent, preview: await previewMigLayout(name, String(data.layout ?? '')) });
      default:
        return json({ ok: true as const, intent: data.intent, preview: await setMigLayout(actor, name, data) });
    }
  });
}

export default function NodeDetail() {
  const { node, figures, events, eventsError, canWrite, migLayouts, drain } = useLoaderData<typeof loader>();
  const result = useActionData<MaintenanceResult>();
  const t = useT();
  return (
    <>
      <p>
        <Link to="/gpus">← {t('node.back')}</Link>
      </p>
      <h1>{t('node.title', { name: node.name })}</h1>
      <section className="cards wide" aria-label={t('node.overview')}>
        <div className="card">
          <dl className="facts">
            <dt>{t('gpus.product')}</dt>
            <dd>{node.gpuProduct ?? '—'}</dd>
            <dt>{t('gpus.memory')}</dt>
            <dd>{node.gpuMemoryMiB ? `${Math.round(node.gpuMemoryMiB / 1024)} GiB` : '—'}</dd>
            <dt>{t('gpus.count')}</dt>
            <dd>{figures.physicalGpus}</dd>
            <dt>{t('gpus.allocated')}</dt>
            <dd>
              {/* A MIG node's GPUs are slices: whole GPUs only if some are left unpartitioned. */}
              {figures.migSlices.length === 0 || node.allocatableGpus > 0 ? `${node.allocatedGpus} / ${node.allocatableGpus}` : null}
              {figures.migSlices.length > 0 ? (
                <ul className="plain">
                  {figures.migSlices.map((m) => (
                    <li key={m.profile}>{t('gpus.migSlice', { profile: m.profile, allocated: m.allocated, allocatable: m.allocatable, free: m.free })}</li>
                  ))}
                </ul>
              ) : null}
            </dd>
            <dt>{t('gpus.status')}</dt>
            <dd>
              {node.cordoned ? (
                <span className="badge badge-warn">{t('gpus.status.cordoned')}</span>
              ) : node.ready ? (
                <span className="badge badge-ok">{t('gpus.status.ready')}</span>
              ) : (
                <span className="badge badge-danger">{t('gpus.status.notReady')}</span>
              )}
            </dd>
            <dt>{t('gpus.taints')}</dt>
            <dd>
              {node.taints.length === 0
                ? t('node.noTaints')
                : node.taints.map((x) => `${x.key}${x.value ? `=${x.value}` : ''}:${x.effect}`).join(', ')}
            </dd>
          </dl>
        </div>
        {node.mig.resources.length > 0 ? (
          <div className="card">
            <h2>{t('node.migLayout')}</h2>
            <p className="muted">
              {t('node.migConfig', { config: node.mig.config ?? '—', state: node.mig.state ?? '—' })}
            </p>
            <table>
              <caption className="visually-hidden">{t('node.migLayout')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('node.migResource')}</th>
                  <th scope="col" className="num">{t('node.capacity')}</th>
                  <th scope="col" className="num">{t('gpus.allocatable')}</th>
                  <th scope="col" className="num">{t('gpus.allocated')}</th>
                </tr>
              </thead>
              <tbody>
                {node.mig.resources.map((r) => (
                  <tr key={r.resource}>
                    <td>
                      <code>{r.resource}</code>
                    </td>
                    <td className="num">{r.capacity}</td>
                    <td className="num">{r.allocatable}</td>
                    <td className="num">{r.allocated}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      {canWrite ? (
        <NodeMaintenance
          node={node.name}
          cordoned={node.cordoned}
          migCapable={node.labels['nvidia.com/mig.capable'] === 'true'}
          migLayouts={migLayouts}
          result={result}
        />
      ) : null}

      {drain ? <DrainStatus drain={drain} canWrite={canWrite} /> : null}

      <h2>{t('node.pods')}</h2>
      {node.pods.length === 0 ? (
        <p className="muted">{t('node.noPods')}</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={t('node.pods')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('node.pods')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('node.pod.namespace')}</th>
                <th scope="col">{t('node.pod.name')}</th>
                <th scope="col">{t('node.pod.phase')}</th>
                <th scope="col" className="num">{t('node.pod.gpus')}</th>
                <th scope="col">{t('node.pod.mig')}</th>
              </tr>
            </thead>
            <tbody>
              {node.pods.map((p) => (
                <tr key={`${p.namespace}/${p.name}`}>
                  <td>{p.namespace}</td>
                  <td>{p.name}</td>
                  <td>{p.phase ?? '—'}</td>
                  <td className="num">{p.gpus}</td>
                  <td>
                    {Object.entries(p.mig)
                      .map(([r, n]) => `${n}× ${r.replace('nvidia.com/mig-', '')}`)
                      .join(', ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>{t('node.conditions')}</h2>
      <div className="table-wrap" role="region" aria-label={t('node.conditions')} tabIndex={0}>
        <table>
          <caption className="visually-hidden">{t('node.conditions')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('node.condition.type')}</th>
              <th scope="col">{t('node.condition.status')}</th>
              <th scope="col">{t('node.condition.reason')}</th>
              <th scope="col">{t('node.condition.message')}</th>
            </tr>
          </thead>
          <tbody>
            {node.conditions.map((c) => (
              <tr key={c.type}>
                <td>{c.type}</td>
                <td>{c.status}</td>
                <td>{c.reason ?? '—'}</td>
                <td>{c.message ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>{t('node.labels')}</h2>
      <ul className="labels" aria-label={t('node.labels')}>
        {Object.entries(node.labels)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => (
            <li key={k} className="badge" style={{ listStyle: 'none' }}>
              <code>
                {k}={v}
              </code>
            </li>
          ))}
      </ul>

      <h2>{t('cluster.events')}</h2>
      {eventsError ? (
        <p className="alert alert-error" role="alert">
          {t('cluster.loadFailed', { reason: eventsError })}
        </p>
      ) : null}
      <EventsTable events={events} caption={t('cluster.events')} />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
