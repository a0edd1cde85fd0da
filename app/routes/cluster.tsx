import { type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { useLoaderData, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { formatDateTime } from '~/i18n/format';
import { EventsTable } from '~/components/cluster/events-table';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { getClusterInfo, listEvents, readCluster } from '~/utils/cluster.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'cluster:read' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'cluster.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'cluster:read');
  const [info, events] = await Promise.all([
    getClusterInfo(),
    readCluster(() => listEvents({ limit: 25 }), []),
  ]);
  return json({ info, events: events.value, eventsError: events.error });
}

export default function ClusterOverview() {
  const { info, events, eventsError } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const revalidator = useRevalidator();
  // The page watches a live system: refresh every 10 s while it is visible.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && revalidator.state === 'idle') revalidator.revalidate();
    }, 10_000);
    return () => clearInterval(timer);
  }, [revalidator]);
  return (
    <>
      <h1>{t('cluster.title')}</h1>
      <section className="cards wide" aria-label={t('cluster.connection')}>
        <div className="card">
          <h2>{t('cluster.connection')}</h2>
          <p>
            <span className={info.connected ? 'badge badge-ok' : 'badge badge-danger'}>
              {info.connected ? t('cluster.connected') : t('cluster.disconnected')}
            </span>
          </p>
          {info.versionError && !info.connected ? (
            <p className="field-error">{t('cluster.unreachable', { reason: info.versionError })}</p>
          ) : null}
          <dl className="facts">
            <dt>{t('cluster.kind')}</dt>
            <dd>{info.simulated ? t('cluster.kind.simulated') : t('cluster.kind.real')}</dd>
            <dt>{t('cluster.source')}</dt>
            <dd>{info.source ?? '—'}</dd>
            <dt>{t('cluster.server')}</dt>
            <dd>
              <code>{info.server ?? '—'}</code>
            </dd>
            <dt>{t('cluster.version')}</dt>
            <dd>{info.version ?? '—'}</dd>
          </dl>
        </div>
        <div className="card">
          <h2>{t('cluster.leader')}</h2>
          {info.leader.identity ? (
            <p>
              <strong>{info.leader.identity}</strong>{' '}
              {info.leader.since ? t('cluster.leaderSince', { time: formatDateTime(info.leader.since, locale) }) : null}
            </p>
          ) : (
            <p className="muted">{t('cluster.leaderNone')}</p>
          )}
          <dl className="facts">
            <dt>{t('cluster.thisInstance')}</dt>
            <dd>
              {info.instance.identity
                ? t(info.instance.isLeader ? 'cluster.thisInstanceLeads' : 'cluster.thisInstanceFollows', {
                    id: info.instance.identity,
                  })
                : '—'}
            </dd>
          </dl>
        </div>
      </section>

      <h2>{t('cluster.controllers')}</h2>
      {info.controllers.length === 0 ? (
        <p className="muted">{t('cluster.noControllers')}</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={t('cluster.controllers')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('cluster.controllers')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('cluster.controller')}</th>
                <th scope="col">{t('cluster.controllerKind')}</th>
                <th scope="col">{t('cluster.running')}</th>
                <th scope="col">{t('cluster.lastReconcile')}</th>
                <th scope="col" className="num">{t('cluster.reconciles')}</th>
                <th scope="col" className="num">{t('cluster.errors')}</th>
                <th scope="col" className="num">{t('cluster.queue')}</th>
                <th scope="col" className="num">{t('cluster.managed')}</th>
                <th scope="col" className="num">{t('cluster.drifted')}</th>
                <th scope="col">{t('cluster.lastError')}</th>
              </tr>
            </thead>
            <tbody>
              {info.controllers.map((c) => (
                <tr key={c.controller}>
                  <td>{c.controller}</td>
                  <td>{t(c.kind === 'leader-only' ? 'cluster.controllerKind.leaderOnly' : 'cluster.controllerKind.desired')}</td>
                  <td>
                    {c.runsOn === 'this-replica' ? (
                      <span className="badge badge-ok">{t('cluster.runsOn.thisReplica')}</span>
                    ) : c.runsOn === 'leader' ? (
                      <span className="badge badge-ok">{t('cluster.runsOn.leader', { id: c.instanceId ?? '—' })}</span>
                    ) : (
                      <span className="badge">{t('cluster.runsOn.notRunning')}</span>
                    )}
                  </td>
                  <td className="nowrap">
                    {c.reported ? formatDateTime(c.lastReconcileAt, locale) || '—' : <span className="muted">{t('cluster.notReported')}</span>}
                  </td>
                  <td className="num">{c.reconcileTotal}</td>
                  <td className="num">{c.errorTotal}</td>
                  <td className="num">{c.queueDepth}</td>
                  {/* Leader-only controllers own no desired objects: nothing to count. */}
                  <td className="num">{c.kind === 'leader-only' ? '—' : c.objectsManaged}</td>
                  <td className="num">
                    {c.kind === 'leader-only' ? '—' : c.objectsDrifted > 0 ? <span className="badge badge-warn">{c.objectsDrifted}</span> : 0}
                  </td>
                  <td>{c.lastError ? <span className="field-error">{c.lastError}</span> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

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
