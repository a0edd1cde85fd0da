import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { useT } from '~/i18n/use-t';
import {
  getUser,
  passwordChangePath,
  preSessionCsrf,
  safeRedirect,
  sessionCookieOf,
  signedInHeaders,
} from '~/utils/auth.server';
import { parseForm } from '~/utils/form.server';
import { authMessages, requestMeta, signIn, signInSchema } from '~/utils/auth.server';
import { isAppError } from '~/utils/errors.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'public' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'auth.signIn.submit' });

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request);
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'));
  if (user) throw redirect(user.mustChangePassword ? passwordChangePath : redirectTo);
  const { csrfToken, headers } = preSessionCsrf(request);
  return json({ csrfToken }, { headers });
}

// A function, not a module constant: module-level calls would pull server code into the browser bundle.
function schema() {
  return signInSchema.extend({ redirectTo: z.string().optional() });
}

export async function action({ request }: ActionFunctionArgs) {
  // Signing in needs no earlier permission: the CSRF check here is the pre-session token.
  try {
    const data = await parseForm(request, schema());
    const result = await signIn(
      { username: data.username, password: data.password },
      { ...requestMeta(request), previousCookie: sessionCookieOf(request) },
    );
    const to = result.user.mustChangePassword ? passwordChangePath : safeRedirect(data.redirectTo);
    return redirect(to, { headers: signedInHeaders(request, result.cookieValue) });
  } catch (error) {
    // A stale or missing pre-session cookie: say so on the form; the loader issues a new one.
    if (error instanceof Response && error.status === 403) {
      return json({ ok: false as const, formError: authMessages.csrf as string, fieldErrors: {} as Record<string, string[]>, retryAfter: null }, { status: 403 });
    }
    if (error instanceof Response || !isAppError(error)) throw error;
    const fieldErrors = 'fieldErrors' in error ? (error.fieldErrors as Record<string, string[]>) : {};
    const retryAfter = 'retryAfter' in error ? Number(error.retryAfter) : null;
    return json(
      { ok: false as const, formError: error.message as string, fieldErrors, retryAfter },
      { status: error.status, headers: retryAfter ? { 'Retry-After': String(retryAfter) } : {} },
    );
  }
}

export default function SignIn() {
  const t = useT();
  // The loader's pre-session token reaches the form through CsrfInput.
  useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const fieldErrors = data?.fieldErrors ?? {};
  const minutes = data?.retryAfter ? Math.ceil(data.retryAfter / 60) : 0;
  // Form-level errors only; the same message is not repeated under each field.
  const formError = data?.retryAfter
    ? 'auth.signIn.lockedFor'
    : (fieldErrors._form?.[0] ?? (data && !data.fieldErrors?.username && !data.fieldErrors?.password ? data.formError : null));
  return (
    <section className="auth-page card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t('auth.signIn.title')}</h1>
      <p className="muted">{t('auth.signIn.intro')}</p>
      <FormError message={formError} vars={{ minutes }} />
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        <input type="hidden" name="redirectTo" value={params.get('redirectTo') ?? ''} />
        <Field
          name="username"
          label={t('auth.field.username')}
          autoComplete="username"
          required
          autoFocus
          errors={fieldErrors.username}
        />
        <Field
          name="password"
          type="password"
          label={t('auth.field.password')}
          autoComplete="current-password"
          required
          errors={fieldErrors.password}
        />
        <button type="submit" disabled={navigation.state === 'submitting'}>
          {navigation.state === 'submitting' ? t('auth.signIn.submitting') : t('auth.signIn.submit')}
        </button>
      </Form>
    </section>
  );
}
