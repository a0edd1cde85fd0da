import { type ActionFunctionArgs, json, type LoaderFunctionArgs, redirect, type MetaFunction } from '@remix-run/node';
import { Form } from '@remix-run/react';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf-input';
import { useT } from '~/i18n/use-t';
import { requireUser, signedOutHeaders } from '~/utils/auth.server';
import { parseForm } from '~/utils/form.server';
import { endSession } from '~/utils/auth.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'user' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'auth.signOut.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  return json({});
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor, principal } = await requireUser(request);
  await parseForm(request, z.object({}));
  if (principal.via === 'session') await endSession(actor, principal.session.idHash);
  return redirect('/sign-in', { headers: signedOutHeaders(request) });
}

/** Reached by typing /sign-out: asks before ending the session (a GET never changes state). */
export default function SignOut() {
  const t = useT();
  return (
    <section className="auth-page card" aria-labelledby="sign-out-title">
      <h1 id="sign-out-title">{t('auth.signOut.title')}</h1>
      <p>{t('auth.signOut.confirm')}</p>
      <Form method="post">
        <CsrfInput />
        <button type="submit">{t('auth.signOut.submit')}</button>
      </Form>
    </section>
  );
}
