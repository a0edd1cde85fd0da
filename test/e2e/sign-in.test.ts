import { expectAccessible, skipBrowserSuites } from '../support/e2e/browser';
import { useLeitstand } from '../support/e2e/fixture';
import {
  adminNewPassword,
  adminPage,
  changePassword,
  navLinks,
  signIn,
  signInAsAdmin,
  signOut,
  submitSignIn,
  t,
  visit,
  waitForHydration,
} from '../support/e2e/flows';
import { initialAdminPassword } from '../support/e2e/leitstand';

describe.skipIf(skipBrowserSuites())('signing in, the first admin, language and keyboard', () => {
  const e2e = useLeitstand();

  it('shows a wrong password as an error tied to the field, and keeps the person signed out', async () => {
    const page = await e2e.newPage();
    await visit(page, '/sign-in');
    await expectAccessible(page, 'sign-in');
    await submitSignIn(page, 'admin', 'not-the-password-at-all');
    const field = page.getByLabel(t('auth.field.password'), { exact: true });
    const message = t('auth.error.invalidCredentials');
    await expect.poll(() => page.getByText(message).count()).toBeGreaterThan(0);
    // Next to the field when the server names it; otherwise as the form's alert.
    const describedBy = await field.getAttribute('aria-describedby');
    if (describedBy?.includes('error')) {
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator(`#${describedBy.split(' ').find((id) => id.endsWith('-error'))}`).innerText()).toContain(message);
    } else {
      await expect.poll(() => page.getByRole('alert').innerText()).toContain(message);
    }
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await expectAccessible(page, 'sign-in with error');
    const me = await page.request.get('/api/v1/me');
    expect(me.status()).toBe(401);
  });

  it('makes the first admin choose a new password before anything else', async () => {
    const page = await e2e.newPage();
    await signIn(page, 'admin', initialAdminPassword);
    expect(new URL(page.url()).pathname).toBe('/account/password');
    await expectAccessible(page, 'forced password change');
    // Any other page sends the admin back here until the password is changed.
    await visit(page, '/');
    expect(new URL(page.url()).pathname).toBe('/account/password');

    await changePassword(page, initialAdminPassword, adminNewPassword, `${adminNewPassword}-typo`);
    const confirm = page.getByLabel(t('auth.field.confirmPassword'), { exact: true });
    await expect.poll(() => confirm.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'password change with error');

    await changePassword(page, initialAdminPassword, adminNewPassword);
    await page.waitForURL((url) => url.pathname === '/');
    await waitForHydration(page);
    e2e.adminPassword = adminNewPassword;
    await expectAccessible(page, 'overview');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe(t('overview.title'));

    await signOut(page);
    await submitSignIn(page, 'admin', initialAdminPassword);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await signIn(page, 'admin', adminNewPassword);
    expect(new URL(page.url()).pathname).toBe('/');
  });

  it('returns to the page asked for after signing in', async () => {
    const page = await e2e.newPage();
    await page.goto('/account');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await waitForHydration(page);
    await signInAsAdmin(e2e, page);
    expect(new URL(page.url()).pathname).toBe('/account');
    await expectAccessible(page, 'account');
  });

  it('switches to German and keeps it across pages', async () => {
    const page = await adminPage(e2e);
    await page.getByLabel(t('nav.language'), { exact: true }).selectOption('de');
    await page.getByRole('button', { name: t('nav.languageApply'), exact: true }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'de');
    try {
      await waitForHydration(page);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe(t('overview.title', {}, 'de'));
      expect(await navLinks(page, 'de')).toContain(t('nav.overview', {}, 'de'));
      await expectAccessible(page, 'overview in German');
      await visit(page, '/account');
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(t('auth.account.title', {}, 'de'));
      expect(await page.getByRole('button', { name: t('nav.signOut', {}, 'de'), exact: true }).count()).toBe(1);
      await expectAccessible(page, 'account in German');
    } finally {
      // The choice is stored on the user; switch back so the other tests read English.
      await page.getByLabel(t('nav.language', {}, 'de'), { exact: true }).selectOption('en');
      await page.getByRole('button', { name: t('nav.languageApply', {}, 'de'), exact: true }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
    }
  });

  it('offers a skip link as the first stop of the keyboard, and it moves focus to the content', async () => {
    const page = await adminPage(e2e);
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => ({
      text: document.activeElement?.textContent?.trim(),
      href: document.activeElement?.getAttribute('href'),
    }));
    expect(first).toEqual({ text: t('app.skipToContent'), href: '#main' });
    // The skip link is visible when focused (not only to screen readers).
    expect(await page.getByRole('link', { name: t('app.skipToContent') }).isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('reaches the main navigation and the page actions with Tab alone', async () => {
    const page = await adminPage(e2e);
    const wanted = [t('nav.audit'), t('nav.users'), t('nav.signOut')];
    const reached = new Set<string>();
    for (let i = 0; i < 40 && wanted.some((w) => !reached.has(w)); i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return (el?.getAttribute('aria-label') ?? el?.innerText ?? '').trim();
      });
      reached.add(name);
      // Focus must always be visible: an outline or a box shadow on the focused element.
      const visible = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return true;
        const style = getComputedStyle(el);
        return (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none';
      });
      expect(visible, `no visible focus on "${name}"`).toBe(true);
    }
    expect(wanted.filter((w) => !reached.has(w))).toEqual([]);
  });
});
