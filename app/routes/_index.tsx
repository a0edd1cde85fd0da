import { type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { navItems } from '~/components/nav-items';
import { isMessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';
import { requireUser } from '~/utils/auth.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'user' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'overview.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requireUser(request);
  return json({ displayName: user.displayName, roles: user.roles, permissions: user.permissions });
}

export default function Overview() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const sections = navItems.filter(
    (item) => item.to !== '/' && (item.permission === null || data.permissions.includes(item.permission)),
  );
  return (
    <>
      <h1>{t('overview.title')}</h1>
      <p>{t('overview.welcome', { name: data.displayName })}</p>
      <p className="muted">{t('overview.roles', { roles: data.roles.map((r) => (isMessageKey(`auth.role.${r}`) ? t(`auth.role.${r}`) : r)).join(', ') })}</p>
      <h2>{t('overview.sections')}</h2>
      <ul className="cards" aria-label={t('overview.sections')}>
        {sections.map((item) => (
          <li key={item.to} className="card" style={{ listStyle: 'none' }}>
            <Link to={item.to}>{t(item.label)}</Link>
          </li>
        ))}
      </ul>
    </>
  );
}
