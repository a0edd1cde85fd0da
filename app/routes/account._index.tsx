import { type ActionFunctionArgs, json, type LoaderFunctionArgs, redirect, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';
import { requireUser, signedOutHeaders } from '~/utils/auth.server';
import { parseForm } from '~/utils/form.server';
import { countSessions, endAllSessions } from '~/utils/auth.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'user' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'auth.account.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requireUser(request);
  return json({
    user: {
      username: user.username,
      displayName: user.displayName,
      email: user.email,
      roles: user.roles,
      lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
    },
    sessions: await countSessions(user.id),
    canUseTokens: user.permissions.includes('tokens:write'),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, actor } = await requireUser(request);
  await parseForm(request, z.object({ intent: z.literal('sign-out-everywhere') }));
  await endAllSessions(actor, user.id);
  return redirect('/sign-in', { headers: signedOutHeaders(request) });
}

export default function Account() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <>
      <h1>{t('auth.account.title')}</h1>
      {params.get('passwordChanged') ? <Notice>{t('auth.password.changed')}</Notice> : null}
      <section className="card" aria-labelledby="profile-title">
        <h2 id="profile-title">{t('auth.account.profile')}</h2>
        <dl>
          <dt>{t('auth.field.username')}</dt>
          <dd>{data.user.username}</dd>
          <dt>{t('auth.field.displayName')}</dt>
          <dd>{data.user.displayName}</dd>
          <dt>{t('auth.field.email')}</dt>
          <dd>{data.user.email ?? t('auth.none')}</dd>
          <dt>{t('auth.field.roles')}</dt>
          <dd>{data.user.roles.length ? data.user.roles.map((r) => t(`auth.role.${r}` as MessageKey)).join(', ') : t('auth.none')}</dd>
        </dl>
        <p>
          <Link to="/account/password">{t('auth.password.title')}</Link>
          {data.canUseTokens ? (
            <>
              {' · '}
              <Link to="/account/tokens">{t('auth.tokens.personalTitle')}</Link>
            </>
          ) : null}
        </p>
      </section>
      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t('auth.account.sessions')}</h2>
        <p>{t('auth.account.sessionCount', { n: data.sessions })}</p>
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value="sign-out-everywhere" />
          <button type="submit" className="secondary">
            {t('auth.account.signOutEverywhere')}
          </button>
        </Form>
        <p className="muted">{t('auth.account.signOutEverywhereHint')}</p>
      </section>
    </>
  );
}
