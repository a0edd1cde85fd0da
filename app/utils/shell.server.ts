import { setUserLocale, verifyCsrf } from '../../server/auth';
import { isSimulated } from '../../server/kube';
import { type Locale, localeFor } from '~/i18n/locale';
import { getAuthShell, getPrincipal } from './auth.server';
import { csrfFieldName } from './form.server';

/** What every page's shell needs: who is signed in, their language, the CSRF token. */
export async function getShellData(request: Request) {
  const { user, csrfToken } = await getAuthShell(request);
  const locale: Locale = localeFor(request, user?.locale);
  return { user, csrfToken, locale, simulatedCluster: isSimulated() };
}

/**
 * Stores a language choice: on the user when signed in (so it follows them), and in a
 * cookie so the sign-in page speaks it too.
 */
export async function setLanguage(request: Request, locale: Locale, form: FormData): Promise<Headers> {
  const principal = await getPrincipal(request);
  if (principal?.via === 'session' && principal.user) {
    const token = form.get(csrfFieldName);
    verifyCsrf(request, principal, typeof token === 'string' ? token : null);
    await setUserLocale(principal.actor, principal.user.id, locale);
  }
  const secure = new URL(request.url).protocol === 'https:' ? '; Secure' : '';
  return new Headers({ 'Set-Cookie': `lang=${locale}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly${secure}` });
}
