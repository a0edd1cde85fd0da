import { useLocale, useT } from '~/i18n/use-t';
import { formatDateTime } from '~/i18n/format';

export interface EventRow {
  namespace: string;
  name: string;
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind?: string; name?: string; namespace?: string };
  count: number;
  lastTimestamp: string | null;
}

/** Kubernetes events, newest first; warnings stand out. */
export function EventsTable({ events, caption }: { events: EventRow[]; caption: string }) {
  const t = useT();
  const locale = useLocale();
  if (events.length === 0) return <p className="muted">{t('cluster.noEvents')}</p>;
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('cluster.event.type')}</th>
            <th scope="col">{t('cluster.event.reason')}</th>
            <th scope="col">{t('cluster.event.object')}</th>
            <th scope="col">{t('cluster.event.message')}</th>
            <th scope="col">{t('cluster.event.count')}</th>
            <th scope="col">{t('cluster.event.last')}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={`${e.namespace}/${e.name}`}>
              <td>
                <span className={e.type === 'Warning' ? 'badge badge-warn' : 'badge'}>{e.type}</span>
              </td>
              <td>{e.reason}</td>
              <td>
                {e.involvedObject.kind}/{e.involvedObject.namespace ? `${e.involvedObject.namespace}/` : ''}
                {e.involvedObject.name}
              </td>
              <td>{e.message}</td>
              <td>{e.count}</td>
              <td className="nowrap">{formatDateTime(e.lastTimestamp, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
