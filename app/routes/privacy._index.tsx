import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DaysLeft, RequestStateBadge } from '~/components/privacy/badges';
import { DeadlineChart } from '~/components/privacy/deadline-chart';
import { PrivacyNav } from '~/components/privacy/privacy-nav';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { AT_RISK_DAYS, deadlineDashboard } from '~/utils/privacy.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:read' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'privacy.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'privacy:read');
  return loaderWork(async () => {
    const d = await deadlineDashboard();
    return json({ ...d, atRiskDays: AT_RISK_DAYS });
  });
}

export default function PrivacyDashboard() {
  const t = useT();
  const f = useFormat();
  const data = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('privacy.title')}</h1>
      <PrivacyNav />
      <p className="muted">{t('privacy.intro')}</p>
      <div className="cards">
        <div className="card">
          <div className="muted">{t('privacy.dashboard.open')}</div>
          <div className="stat">{data.open.length}</div>
        </div>
        <div className="card">
          <div className="muted">{t('privacy.dashboard.atRisk', { days: data.atRiskDays })}</div>
          <div className="stat">{data.atRisk}</div>
        </div>
        <div className="card">
          <div className="muted">{t('privacy.dashboard.overdue')}</div>
          <div className="stat">{data.overdue}</div>
        </div>
      </div>
      <DeadlineChart buckets={data.buckets} />
      {data.open.length === 0 ? (
        <p className="muted">{t('privacy.dashboard.none')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('privacy.dashboard.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('privacy.field.reference')}</th>
                <th scope="col">{t('privacy.field.state')}</th>
                <th scope="col">{t('privacy.field.dueOn')}</th>
                <th scope="col">{t('privacy.field.daysLeft')}</th>
              </tr>
            </thead>
            <tbody>
              {data.open.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/privacy/requests/${r.id}`}>{r.reference}</Link>
                  </td>
                  <td>
                    <RequestStateBadge state={r.state} />
                  </td>
                  <td className="nowrap"><time dateTime={r.effectiveDueOn}>{f.date(r.effectiveDueOn)}</time></td>
                  <td>
                    <DaysLeft days={r.daysLeft} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
