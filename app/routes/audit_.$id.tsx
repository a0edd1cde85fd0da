import { type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';
import { englishMessage, requirePermission } from '~/utils/auth.server';
import { getAuditEvent } from '~/utils/audit.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'audit:read' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data && { key: 'audit.detail.title', vars: { id: data.event.id } }, { key: 'audit.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'audit:read');
  const id = /^[1-9]\d{0,14}$/.test(params.id ?? '') ? Number(params.id) : null;
  let found;
  try {
    if (id === null) throw Object.assign(new Error('audit.error.notFound'), { name: 'NotFoundError' });
    found = await getAuditEvent(id);
  } catch (error) {
    if ((error as Error).name !== 'NotFoundError') throw error;
    const key = (error as Error).message;
    throw json({ error: englishMessage(key), messageKey: key }, { status: 404 });
  }
  const { event, diff } = found;
  return json({
    event: {
      ...event,
      occurredAt: event.occurredAt.toISOString(),
      before: event.before === null ? null : JSON.stringify(event.before, null, 2),
      after: event.after === null ? null : JSON.stringify(event.after, null, 2),
    },
    diff,
  });
}

export default function AuditEventPage() {
  const t = useT();
  const { event, diff } = useLoaderData<typeof loader>();
  const changed = diff.filter((d) => d.change !== 'unchanged');
  const unchanged = diff.filter((d) => d.change === 'unchanged');
  const none = t('audit.detail.none');
  const byActor = `/audit?${new URLSearchParams({ actor: event.actorId ?? event.actorName })}`;
  const forTarget = `/audit?${new URLSearchParams(event.targetId ? { type: event.targetType, target: event.targetId } : { type: event.targetType })}`;
  return (
    <>
      <p>
        <Link to="/audit">{t('audit.detail.back')}</Link>
      </p>
      <h1>{t('audit.detail.title', { id: event.id })}</h1>
      <div className="card">
        <dl className="details">
          <dt>{t('audit.detail.when')}</dt>
          <dd>
            <time dateTime={event.occurredAt}>{event.occurredAt.replace('T', ' ').replace('Z', '')}</time>
          </dd>
          <dt>{t('audit.detail.action')}</dt>
          <dd>
            <code>{event.action}</code>
          </dd>
          <dt>{t('audit.detail.actor')}</dt>
          <dd>
            {event.actorName === 'system' && !event.actorId ? t('audit.system') : event.actorName}{' '}
            <Link to={byActor} className="small">
              {t('audit.detail.byActor')}
            </Link>
          </dd>
          <dt>{t('audit.detail.actorId')}</dt>
          <dd>{event.actorId ? <code>{event.actorId}</code> : none}</dd>
          <dt>{t('audit.detail.roles')}</dt>
          <dd>{event.actorRoles.length ? event.actorRoles.join(', ') : t('audit.detail.noRoles')}</dd>
          <dt>{t('audit.detail.target')}</dt>
          <dd>
            {event.targetType}
            {event.targetId ? (
              <>
                : <code>{event.targetId}</code>
              </>
            ) : null}{' '}
            <Link to={forTarget} className="small">
              {t('audit.detail.forTarget')}
            </Link>
          </dd>
          <dt>{t('audit.detail.requestId')}</dt>
          <dd>{event.requestId ? <code>{event.requestId}</code> : none}</dd>
          <dt>{t('audit.detail.clientAddress')}</dt>
          <dd>{event.clientAddress ?? none}</dd>
          <dt>{t('audit.detail.prevHash')}</dt>
          <dd>{event.prevHash ? <code className="hash">{event.prevHash}</code> : none}</dd>
          <dt>{t('audit.detail.hash')}</dt>
          <dd>
            <code className="hash">{event.hash}</code>
          </dd>
        </dl>
      </div>

      <h2>{t('audit.detail.changes')}</h2>
      {diff.length === 0 ? (
        <p className="muted">{t('audit.detail.noChanges')}</p>
      ) : (
        <>
          {changed.length > 0 ? <DiffTable entries={changed} caption={t('audit.detail.changes')} /> : null}
          {unchanged.length > 0 ? (
            <details className="diff-unchanged">
              <summary>{t('audit.detail.unchanged', { n: unchanged.length })}</summary>
              <DiffTable entries={unchanged} caption={t('audit.detail.unchanged', { n: unchanged.length })} />
            </details>
          ) : null}
        </>
      )}
      {event.before !== null || event.after !== null ? (
        <details className="diff-raw">
          <summary>{t('audit.detail.raw')}</summary>
          <div className="diff-raw-grid">
            <section aria-label={t('audit.detail.before')}>
              <h3>{t('audit.detail.before')}</h3>
              <pre>{event.before ?? none}</pre>
            </section>
            <section aria-label={t('audit.detail.after')}>
              <h3>{t('audit.detail.after')}</h3>
              <pre>{event.after ?? none}</pre>
            </section>
          </div>
        </details>
      ) : null}
    </>
  );
}

function DiffTable({
  entries,
  caption,
}: {
  entries: { path: string; change: 'added' | 'removed' | 'changed' | 'unchanged'; before?: string; after?: string }[];
  caption: string;
}) {
  const t = useT();
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table className="diff">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('audit.detail.field')}</th>
            <th scope="col">{t('audit.detail.change')}</th>
            <th scope="col">{t('audit.detail.before')}</th>
            <th scope="col">{t('audit.detail.after')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.path} className={`diff-${entry.change}`}>
              <th scope="row">
                <code>{entry.path || t('audit.detail.wholeValue')}</code>
              </th>
              <td>{t(`audit.change.${entry.change}` as MessageKey)}</td>
              <td className="diff-before">{entry.before !== undefined ? <code>{entry.before}</code> : null}</td>
              <td className="diff-after">{entry.after !== undefined ? <code>{entry.after}</code> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
