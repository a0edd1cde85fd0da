import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import {
  Form,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useNavigation,
  useRouteLoaderData,
} from '@remix-run/react';
import { GeneralErrorBoundary } from '~/components/error-boundary';
import { useFocusFirstInvalidAfterSubmit } from '~/components/form-focus';
import { navItems, navState } from '~/components/nav-items';
import { CsrfInput } from '~/components/csrf-input';
import { type Locale, locales } from '~/i18n/locale';
import { LocaleContext, useT } from '~/i18n/use-t';
import styles from '~/styles/app.css';
import { useNonce } from '~/utils/nonce';
import { getShellData } from '~/utils/shell.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const handle = { permission: 'public' };

/** The title of pages that set none; a route's own meta replaces it (one <title> per page). */
export const meta: MetaFunction = () => [{ title: 'Leitstand' }];

export async function loader({ request }: LoaderFunctionArgs) {
  return json(await getShellData(request));
}

export type RootData = Awaited<ReturnType<typeof getShellData>>;

/** The shell's data (signed-in user, language, CSRF token) from any route. */
export function useShell(): RootData | undefined {
  return useRouteLoaderData<typeof loader>('root') as RootData | undefined;
}

function Document({ locale, children }: { locale: Locale; children: React.ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <LocaleContext.Provider value={locale}>{children}</LocaleContext.Provider>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function Shell({ data, children }: { data: RootData | undefined; children: React.ReactNode }) {
  const t = useT();
  const navigation = useNavigation();
  const location = useLocation();
  const user = data?.user;
  const items = navItems.filter((item) => item.permission === null || user?.permissions.includes(item.permission));
  const activeNav = navState(items, location.pathname);
  useFocusFirstInvalidAfterSubmit('main');
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <a className="brand" href="/">
          <span aria-hidden="true" className="brand-mark">◆</span> {t('app.name')}
        </a>
        <div className="topbar-right">
          <Form method="post" action="/language" className="inline-form" reloadDocument>
            <input type="hidden" name="redirectTo" value={location.pathname + location.search} />
            {data?.csrfToken ? <CsrfInput /> : null}
            <label className="visually-hidden" htmlFor="language-select">
              {t('nav.language')}
            </label>
            <select id="language-select" name="locale" defaultValue={data?.locale ?? 'en'}>
              {locales.map((l) => (
                <option key={l} value={l}>
                  {t(`lang.${l}`)}
                </option>
              ))}
            </select>
            <button type="submit" className="button-small">
              {t('nav.languageApply')}
            </button>
          </Form>
          {user ? (
            <>
              <NavLink to="/account" className="topbar-user">
                {t('nav.signedInAs', { name: user.displayName })}
              </NavLink>
              <Form method="post" action="/sign-out" className="inline-form">
                <CsrfInput />
                <button type="submit" className="button-small">
                  {t('nav.signOut')}
                </button>
              </Form>
            </>
          ) : null}
        </div>
      </header>
      {data?.simulatedCluster ? (
        <p className="banner banner-sim" role="status">
          {t('common.simulatedCluster')}
        </p>
      ) : null}
      <div className="layout">
        {user && !user.mustChangePassword ? (
          <nav className="sidenav" aria-label={t('nav.label')}>
            <ul>
              {items.map((item) => {
                const state = activeNav.get(item.to);
                return (
                  <li key={item.to}>
                    <Link
                      to={item.to}
                      prefetch="intent"
                      className={state === 'page' ? 'active' : state === 'section' ? 'section-active' : undefined}
                      aria-current={state === 'page' ? 'page' : undefined}
                    >
                      {t(item.label)}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
        ) : null}
        <main id="main" tabIndex={-1} className={navigation.state === 'loading' ? 'main loading' : 'main'}>
          {navigation.state === 'loading' ? (
            <div className="progress-bar" role="progressbar" aria-label={t('common.loading')} />
          ) : null}
          {children}
        </main>
      </div>
    </>
  );
}

export default function App() {
  const data = useShell();
  return (
    <Document locale={data?.locale ?? 'en'}>
      <Shell data={data}>
        <Outlet />
      </Shell>
    </Document>
  );
}

export function ErrorBoundary() {
  const data = useShell();
  return (
    <Document locale={data?.locale ?? 'en'}>
      <Shell data={data}>
        <GeneralErrorBoundary />
      </Shell>
    </Document>
  );
}
