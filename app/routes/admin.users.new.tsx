import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/auth/field';
import { RolesFieldset } from '~/components/auth/roles-fieldset';
import { CsrfInput } from '~/components/csrf-input';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { createUser, createUserSchema, roles as allRoles } from '~/utils/auth.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'users:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'auth.users.new' }, { key: 'auth.users.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'users:write');
  // Sent as data: the component must not import server code (it would reach the browser).
  return json({ roles: [...allRoles] });
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'users:write');
  return formAction(async () => {
    const data = await parseForm(request, createUserSchema);
    const { user, oneTimePassword } = await createUser(actor, data);
    return json({ ok: true as const, created: { id: user.id, username: user.username, oneTimePassword } });
  });
}

type Result =
  | { ok: true; created: { id: string; username: string; oneTimePassword: string } }
  | { ok: false; formError: string; fieldErrors: Record<string, string[]> };

export default function NewUser() {
  const t = useT();
  const { roles } = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  if (result?.ok) {
    return (
      <>
        <h1>{t('auth.users.new')}</h1>
        <Notice>
          <p>{t('auth.users.created', { username: result.created.username })}</p>
          <p>
            <label htmlFor="one-time-password">{t('auth.users.oneTimePassword')}</label>
          </p>
          <output id="one-time-password" className="secret">
            {result.created.oneTimePassword}
          </output>
          <p>{t('auth.users.oneTimePasswordHint')}</p>
        </Notice>
        <p>
          <Link to={`/admin/users/${result.created.id}`}>{t('auth.users.open', { username: result.created.username })}</Link>
          {' · '}
          <Link to="/admin/users">{t('auth.users.backToList')}</Link>
        </p>
      </>
    );
  }
  const fieldErrors = result?.fieldErrors ?? {};
  const roleErrors = Object.entries(fieldErrors)
    .filter(([k]) => k === 'roles' || k.startsWith('roles.'))
    .flatMap(([, v]) => v);
  return (
    <>
      <h1>{t('auth.users.new')}</h1>
      <p className="muted">{t('auth.users.newIntro')}</p>
      {result && Object.keys(fieldErrors).length === 0 ? <FormError message={result.formError} /> : null}
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        <Field name="username" label={t('auth.field.username')} hint={t('auth.users.usernameHint')} required autoFocus errors={fieldErrors.username} autoComplete="off" />
        <Field name="displayName" label={t('auth.field.displayName')} required errors={fieldErrors.displayName} autoComplete="off" />
        <Field name="email" type="email" label={t('auth.field.emailOptional')} errors={fieldErrors.email} autoComplete="off" />
        <RolesFieldset roles={roles} selected={[]} errors={roleErrors.length ? roleErrors : undefined} />
        <button type="submit" disabled={navigation.state === 'submitting'}>
          {t('auth.users.create')}
        </button>
      </Form>
    </>
  );
}
