import { type ActionFunctionArgs, redirect } from '@remix-run/node';
import { isLocale } from '~/i18n/locale';
import { setLanguage } from '~/utils/shell.server';

export const handle = { permission: 'public' };

/** Switches the language: stored on the user when signed in, else in a cookie. */
export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const locale = form.get('locale');
  const redirectTo = String(form.get('redirectTo') ?? '/');
  const safeRedirect = redirectTo.startsWith('/') && !redirectTo.startsWith('//') ? redirectTo : '/';
  if (!isLocale(locale)) return redirect(safeRedirect);
  const headers = await setLanguage(request, locale, form);
  return redirect(safeRedirect, { headers });
}

export function loader() {
  return redirect('/');
}
