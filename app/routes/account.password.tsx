import { type ActionFunctionArgs, json, type LoaderFunctionArgs, redirect, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError, type ActionData } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { useT } from '~/i18n/use-t';
import { requireUser } from '~/utils/auth.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { changeOwnPassword, changePasswordSchema, passwordMinLength, requestMeta } from '~/utils/auth.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'user' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'auth.password.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requireUser(request);
  return json({ forced: user.mustChangePassword, username: user.username, minLength: passwordMinLength });
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, principal } = await requireUser(request);
  return formAction(async () => {
    const data = await parseForm(request, changePasswordSchema);
    await changeOwnPassword(
      { userId: user.id, keepSessionIdHash: principal.via === 'session' ? principal.session.idHash : undefined },
      data,
      requestMeta(request),
    );
    return redirect(user.mustChangePassword ? '/' : '/account?passwordChanged=1');
  });
}

export default function ChangePassword() {
  const t = useT();
  const { forced, username, minLength } = useLoaderData<typeof loader>();
  const data = useActionData<ActionData>();
  const navigation = useNavigation();
  const fieldErrors = data?.fieldErrors ?? {};
  const onlyFieldErrors = Object.keys(fieldErrors).some((k) => k !== '_form');
  return (
    <section className="auth-page card" aria-labelledby="password-title">
      <h1 id="password-title">{t('auth.password.title')}</h1>
      {forced ? (
        <div className="alert alert-warn" role="status">
          {t('auth.password.forced')}
        </div>
      ) : null}
      <FormError message={onlyFieldErrors ? null : data?.formError} />
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        {/* Lets password managers file the new password under the right account. */}
        <input type="hidden" name="username" autoComplete="username" value={username} />
        <Field
          name="currentPassword"
          type="password"
          label={forced ? t('auth.field.oneTimePassword') : t('auth.field.currentPassword')}
          autoComplete="current-password"
          required
          autoFocus
          errors={fieldErrors.currentPassword}
        />
        <Field
          name="newPassword"
          type="password"
          label={t('auth.field.newPassword')}
          hint={t('auth.password.rules', { min: minLength })}
          autoComplete="new-password"
          required
          errors={fieldErrors.newPassword}
        />
        <Field
          name="confirmPassword"
          type="password"
          label={t('auth.field.confirmPassword')}
          autoComplete="new-password"
          required
          errors={fieldErrors.confirmPassword}
        />
        <button type="submit" disabled={navigation.state === 'submitting'}>
          {t('auth.password.submit')}
        </button>
      </Form>
    </section>
  );
}
