import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { FormError, Notice } from '~/components/auth/field';
import { formatDateTime } from '~/i18n/format';
import { RolesFieldset } from '~/components/auth/roles-fieldset';
import { TokenTable } from '~/components/auth/tokens';
import { CsrfInput } from '~/components/csrf-input';
import type { MessageKey } from '~/i18n/messages';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission, tokenRows } from '~/utils/auth.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import {
  deactivateUser,
  listApiTokens,
  listExternalIdentities,
  reactivateUser,
  requireUserById,
  resetUserPassword,
  roles as allRoles,
  setRolesSchema,
  setUserRoles,
} from '~/utils/auth.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'users:read', actionPermission: 'users:write' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data?.user.displayName, { key: 'auth.users.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user: viewer, principal } = await requirePermission(request, 'users:read');
  return loaderWork(async () => {
    const user = await requireUserById(params.id ?? '');
    const [tokens, identities] = await Promise.all([
      listApiTokens(principal, { kind: 'personal', userId: user.id }),
      listExternalIdentities(user.id),
    ]);
    return json({
      user: {
        id: user.id,
        username: user.username,
        displayName: user.displayName,
        email: user.email,
        roles: user.roles,
        active: user.active,
        mustChangePassword: user.mustChangePassword,
        hasPassword: user.hasPassword,
        createdAt: user.createdAt.toISOString(),
        lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
      },
      tokens: tokenRows(tokens),
      identities: identities.map((i) => ({ id: i.id, issuer: i.issuer, subject: i.subject })),
      canWrite: viewer?.permissions.includes('users:write') ?? false,
      isSelf: viewer?.id === user.id,
      // Sent as data: the component must not import server code (it would reach the browser).
      roles: [...allRoles],
    });
  });
}

// A function, not a module constant: module-level calls would pull server code into the browser bundle.
function schema() {
  return z.discriminatedUnion('intent', [
    setRolesSchema.extend({ intent: z.literal('roles') }),
    z.object({ intent: z.literal('deactivate') }),
    z.object({ intent: z.literal('reactivate') }),
    z.object({ intent: z.literal('reset-password') }),
  ]);
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'users:write');
  const id = params.id ?? '';
  return formAction(async () => {
    const data = await parseForm(request, schema());
    switch (data.intent) {
      case 'roles':
        await setUserRoles(actor, id, data);
        return json({ ok: true as const, done: data.intent });
      case 'deactivate': {
        const result = await deactivateUser(actor, id);
        return json({ ok: true as const, done: data.intent, sessionsEnded: result.sessionsEnded, tokensRevoked: result.tokensRevoked });
      }
      case 'reactivate':
        await reactivateUser(actor, id);
        return json({ ok: true as const, done: data.intent });
      case 'reset-password': {
        const { oneTimePassword } = await resetUserPassword(actor, id);
        return json({ ok: true as const, done: data.intent, oneTimePassword });
      }
    }
  });
}

type Result =
  | { ok: true; done: 'roles' | 'reactivate' }
  | { ok: true; done: 'deactivate'; sessionsEnded: number; tokensRevoked: number }
  | { ok: true; done: 'reset-password'; oneTimePassword: string }
  | { ok: false; formError: string; fieldErrors: Record<string, string[]> };

export default function UserDetail() {
  const t = useT();
  const locale = useLocale();
  const { user, tokens, identities, canWrite, isSelf, roles } = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const fieldErrors = result && !result.ok ? result.fieldErrors : {};
  const roleErrors = Object.entries(fieldErrors)
    .filter(([k]) => k === 'roles' || k.startsWith('roles.'))
    .flatMap(([, v]) => v);
  return (
    <>
      <p>
        <Link to="/admin/users">{t('auth.users.backToList')}</Link>
      </p>
      <h1>
        {user.displayName} <span className="muted">({user.username})</span>
      </h1>
      {result?.ok ? (
        <Notice>
          {result.done === 'roles' ? t('auth.users.rolesSaved') : null}
          {result.done === 'reactivate' ? t('auth.users.reactivated') : null}
          {result.done === 'deactivate'
            ? t('auth.users.deactivated', { sessions: result.sessionsEnded, tokens: result.tokensRevoked })
            : null}
          {result.done === 'reset-password' ? (
            <>
              <p>{t('auth.users.passwordReset')}</p>
              <p>
                <label htmlFor="one-time-password">{t('auth.users.oneTimePassword')}</label>
              </p>
              <output id="one-time-password" className="secret">
                {result.oneTimePassword}
              </output>
              <p>{t('auth.users.oneTimePasswordHint')}</p>
            </>
          ) : null}
        </Notice>
      ) : null}
      {result && !result.ok && roleErrors.length === 0 ? <FormError message={result.formError} /> : null}

      <section className="card" aria-labelledby="user-facts">
        <h2 id="user-facts">{t('auth.account.profile')}</h2>
        <dl>
          <dt>{t('auth.users.status')}</dt>
          <dd>
            {user.active ? (
              <span className="badge badge-ok">{t('auth.users.active')}</span>
            ) : (
              <span className="badge badge-danger">{t('auth.users.inactive')}</span>
            )}
            {user.mustChangePassword ? <> <span className="badge badge-warn">{t('auth.users.mustChangePassword')}</span></> : null}
          </dd>
          <dt>{t('auth.field.email')}</dt>
          <dd>{user.email ?? t('auth.none')}</dd>
          <dt>{t('auth.users.lastSignIn')}</dt>
          <dd>{user.lastSignInAt ? formatDateTime(user.lastSignInAt, locale) : t('common.never')}</dd>
          <dt>{t('auth.users.createdAt')}</dt>
          <dd>{formatDateTime(user.createdAt, locale)}</dd>
          <dt>{t('auth.field.roles')}</dt>
          <dd>{user.roles.length ? user.roles.map((r) => t(`auth.role.${r}` as MessageKey)).join(', ') : t('auth.none')}</dd>
        </dl>
      </section>

      {canWrite ? (
        <>
          <section className="card" aria-labelledby="roles-title">
            <h2 id="roles-title">{t('auth.users.changeRoles')}</h2>
            {/* Keyed by the saved roles so the checkboxes show them after a change. */}
            <Form method="post" className="stack" key={user.roles.join(',')} noValidate>
              <CsrfInput />
              <input type="hidden" name="intent" value="roles" />
              <RolesFieldset roles={roles} selected={user.roles} errors={roleErrors.length ? roleErrors : undefined} />
              <button type="submit" disabled={busy}>
                {t('auth.users.saveRoles')}
              </button>
            </Form>
          </section>

          <section className="card" aria-labelledby="access-title">
            <h2 id="access-title">{t('auth.users.access')}</h2>
            {user.hasPassword ? (
              <Form method="post" className="stack">
                <CsrfInput />
                <input type="hidden" name="intent" value="reset-password" />
                <p className="muted">{t('auth.users.resetPasswordHint')}</p>
                <button type="submit" className="secondary" disabled={busy}>
                  {t('auth.users.resetPassword')}
                </button>
              </Form>
            ) : null}
            <Form method="post" className="stack">
              <CsrfInput />
              {user.active ? (
                <>
                  <input type="hidden" name="intent" value="deactivate" />
                  <p className="muted">{isSelf ? t('auth.users.deactivateSelfHint') : t('auth.users.deactivateHint')}</p>
                  <button type="submit" className="danger" disabled={busy}>
                    {t('auth.users.deactivate')}
                  </button>
                </>
              ) : (
                <>
                  <input type="hidden" name="intent" value="reactivate" />
                  <p className="muted">{t('auth.users.reactivateHint')}</p>
                  <button type="submit" disabled={busy}>
                    {t('auth.users.reactivate')}
                  </button>
                </>
              )}
            </Form>
          </section>
        </>
      ) : null}

      <section className="card" aria-labelledby="user-tokens">
        <h2 id="user-tokens">{t('auth.tokens.personalTitle')}</h2>
        <TokenTable tokens={tokens} canRevoke={false} caption={t('auth.tokens.personalTitle')} />
      </section>

      {identities.length > 0 ? (
        <section className="card" aria-labelledby="user-identities">
          <h2 id="user-identities">{t('auth.users.identities')}</h2>
          <ul>
            {identities.map((i) => (
              <li key={i.id}>
                <code>{i.issuer}</code> — <code>{i.subject}</code>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
