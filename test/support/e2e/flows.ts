import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { Locale } from '~/i18n/locale';
import type { MessageKey } from '~/i18n/messages';
import { translate } from '~/i18n/use-t';
import { expectAccessible, pageProblems } from './browser';
import type { E2E } from './fixture';

/**
 * Steps a person takes, shared by the end-to-end tests. Texts come from the message catalogs
 * (not copied strings), so a reworded label does not break a test but a missing one does.
 */

/** A message as the page shows it (English unless told). */
export function t(key: string, vars?: Record<string, string | number>, locale: Locale = 'en'): string {
  return translate(locale, key as MessageKey, vars);
}

/** The new password the harness gives the initial admin at the forced change. */
export const adminNewPassword = 'e2e-Changed-Admin-pw-2';

/** Goes to a path and waits until the page is hydrated (Remix's client router is up). */
export async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
}

export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  try {
    await page.waitForFunction(() => {
      const w = window as unknown as { __remixRouter?: { state?: { initialized?: boolean } } };
      return w.__remixRouter?.state?.initialized === true;
    });
  } catch (error) {
    const problems = pageProblems(page);
    throw new Error(
      `${page.url()} did not hydrate (the client bundle did not start)${problems.length ? `; the page reported:\n  ${problems.join('\n  ')}` : ''}`,
      { cause: error },
    );
  }
}

/** Fills the sign-in form and submits it; does not judge the outcome. */
export async function submitSignIn(page: Page, username: string, password: string): Promise<void> {
  const usernameField = page.getByLabel(t('auth.field.username'), { exact: true });
  // After a sign-out the page may still be on its way to /sign-in: load it afresh then.
  if (!new URL(page.url()).pathname.startsWith('/sign-in') || !(await usernameField.isVisible())) {
    await visit(page, '/sign-in');
  }
  await usernameField.fill(username);
  await page.getByLabel(t('auth.field.password'), { exact: true }).fill(password);
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/sign-in'),
    page.getByRole('button', { name: t('auth.signIn.submit') }).click(),
  ]);
  await page.waitForLoadState('load');
}

/** Signs in and expects to land outside /sign-in (on the page asked for, or the password change). */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await submitSignIn(page, username, password);
  const left = await page
    .waitForURL((url) => !url.pathname.startsWith('/sign-in'), { timeout: 5_000 })
    .then(() => true)
    .catch(() => false);
  if (!left) {
    const said = await page.locator('[role=alert], .field-error').allInnerTexts();
    throw new Error(`Signing in as ${username} failed; the page says: ${said.join(' | ') || '(nothing)'}`);
  }
  await waitForHydration(page);
}

/** Fills the password-change form (the forced one or the voluntary one) and submits it. */
export async function changePassword(page: Page, current: string, next: string, confirm = next): Promise<void> {
  const forced = await page.getByLabel(t('auth.field.oneTimePassword'), { exact: true }).count();
  await page.getByLabel(t(forced ? 'auth.field.oneTimePassword' : 'auth.field.currentPassword'), { exact: true }).fill(current);
  await page.getByLabel(t('auth.field.newPassword'), { exact: true }).fill(next);
  await page.getByLabel(t('auth.field.confirmPassword'), { exact: true }).fill(confirm);
  await page.getByRole('button', { name: t('auth.password.submit') }).click();
}

/**
 * Signs in as `admin`. At the first sign-in Leitstand demands a new password; this sets
 * `adminNewPassword` and remembers it on the harness, so later sign-ins use it.
 */
export async function signInAsAdmin(e2e: E2E, page: Page): Promise<void> {
  await signIn(page, 'admin', e2e.adminPassword);
  if (new URL(page.url()).pathname === '/account/password') {
    await expectAccessible(page, 'forced password change');
    await changePassword(page, e2e.adminPassword, adminNewPassword);
    await page.waitForURL((url) => url.pathname !== '/account/password');
    await waitForHydration(page);
    e2e.adminPassword = adminNewPassword;
  }
  expect(new URL(page.url()).pathname).not.toBe('/sign-in');
  e2e.adminSession = await page.context().storageState();
}

/**
 * A page signed in as admin, on `path`. Reuses the session of an earlier sign-in of this
 * suite (signing in costs a scrypt hash and several page loads), else signs in.
 */
export async function adminPage(e2e: E2E, path = '/'): Promise<Page> {
  if (e2e.adminSession) {
    const page = await e2e.newPage({ storageState: e2e.adminSession });
    await visit(page, path);
    if (!new URL(page.url()).pathname.startsWith('/sign-in')) return page;
    e2e.adminSession = undefined;
  }
  const page = await e2e.newPage();
  await signInAsAdmin(e2e, page);
  if (path !== new URL(page.url()).pathname) await visit(page, path);
  return page;
}

/** Signs out through the top bar's button. */
export async function signOut(page: Page): Promise<void> {
  // Wait for the sign-out itself: the page may already be at '/', which proves nothing.
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/sign-out'),
    page.getByRole('button', { name: t('nav.signOut') }).click(),
  ]);
  await page.waitForURL((url) => url.pathname === '/sign-in');
}

/** The names of the links in the main navigation. */
export async function navLinks(page: Page, locale: Locale = 'en'): Promise<string[]> {
  return page.getByRole('navigation', { name: t('nav.label', {}, locale) }).getByRole('link').allInnerTexts();
}

export interface CreatedUser {
  id: string;
  username: string;
  oneTimePassword: string;
}

/** The checkbox of a role in a roles fieldset (its label starts with the role's name). */
export function roleCheckbox(page: Page, role: string) {
  return page.getByRole('checkbox', { name: new RegExp(`^${escapeRegExp(t(`auth.role.${role}`))}\\b`) });
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** As an admin: creates a user through /admin/users/new; returns the one-time password shown once. */
export async function createUser(
  page: Page,
  user: { username: string; displayName: string; roles: string[] },
): Promise<CreatedUser> {
  await visit(page, '/admin/users/new');
  await expectAccessible(page, 'new user form');
  await page.getByLabel(t('auth.field.username'), { exact: true }).fill(user.username);
  await page.getByLabel(t('auth.field.displayName'), { exact: true }).fill(user.displayName);
  for (const role of user.roles) await roleCheckbox(page, role).check();
  await page.getByRole('button', { name: t('auth.users.create') }).click();
  const secret = page.locator('output#one-time-password');
  await secret.waitFor();
  const oneTimePassword = (await secret.innerText()).trim();
  await expectAccessible(page, 'user created');
  const link = page.getByRole('link', { name: t('auth.users.open', { username: user.username }) });
  const href = (await link.getAttribute('href')) ?? '';
  const id = href.split('/').pop() ?? '';
  expect(oneTimePassword.length).toBeGreaterThanOrEqual(12);
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return { id, username: user.username, oneTimePassword };
}

/** First sign-in of a user with a one-time password: sets `newPassword` at the forced change. */
export async function signInFirstTime(page: Page, user: CreatedUser, newPassword: string): Promise<void> {
  await signIn(page, user.username, user.oneTimePassword);
  expect(new URL(page.url()).pathname).toBe('/account/password');
  await changePassword(page, user.oneTimePassword, newPassword);
  await page.waitForURL((url) => url.pathname !== '/account/password');
  await waitForHydration(page);
}
