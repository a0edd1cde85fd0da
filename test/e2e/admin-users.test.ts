import { navItems } from '~/components/nav-items';
import { rolePermissions } from '../../server/auth/permissions';
import { expectAccessible, skipBrowserSuites } from '../support/e2e/browser';
import { useLeitstand } from '../support/e2e/fixture';
import {
  adminPage,
  type CreatedUser,
  createUser,
  navLinks,
  roleCheckbox,
  signInAsAdmin,
  signInFirstTime,
  submitSignIn,
  t,
  visit,
} from '../support/e2e/flows';

describe.skipIf(skipBrowserSuites())('user administration and role-based navigation', () => {
  const e2e = useLeitstand();
  let operator: CreatedUser;
  let auditor: CreatedUser;

  it('lets the admin create an operator and an auditor, each with a one-time password', async () => {
    const page = await e2e.newPage();
    await signInAsAdmin(e2e, page);
    await visit(page, '/admin/users');
    await expectAccessible(page, 'user list');
    operator = await createUser(page, { username: 'olga', displayName: 'Olga Operator', roles: ['operator'] });
    auditor = await createUser(page, { username: 'arno', displayName: 'Arno Auditor', roles: ['auditor'] });
    await visit(page, '/admin/users');
    const table = page.getByRole('table');
    await expect.poll(() => table.innerText()).toContain('olga');
    expect(await table.innerText()).toContain('arno');
    await expectAccessible(page, 'user list with users');
  });

  it('moves focus to the first invalid field when the server refuses the form', async () => {
    const page = await adminPage(e2e, '/admin/users/new');
    await page.getByLabel(t('auth.field.username'), { exact: true }).fill('fiona');
    await page.getByRole('button', { name: t('auth.users.create') }).click();
    await page.locator('#displayName[aria-invalid="true"]').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('displayName');
    await expectAccessible(page, 'new user form refused');
  });

  it('marks only the page itself as current in the navigation', async () => {
    const page = await adminPage(e2e, '/gpus/pools');
    const current = page.locator('nav.sidenav [aria-current="page"]');
    await expect.poll(() => current.allInnerTexts()).toEqual([t('nav.gpuPools')]);
    await visit(page, '/gpus');
    await expect.poll(() => current.allInnerTexts()).toEqual([t('nav.gpus')]);
  });

  it('changes a role, and the user page shows the saved roles', async () => {
    const page = await adminPage(e2e, `/admin/users/${operator.id}`);
    await expectAccessible(page, 'user detail');
    await roleCheckbox(page, 'manager').check();
    await roleCheckbox(page, 'operator').uncheck();
    await page.getByRole('button', { name: t('auth.users.saveRoles') }).click();
    await page.getByText(t('auth.users.rolesSaved')).waitFor();
    await expect.poll(() => roleCheckbox(page, 'manager').isChecked()).toBe(true);
    expect(await roleCheckbox(page, 'operator').isChecked()).toBe(false);
    await visit(page, `/admin/users/${operator.id}`);
    expect(await roleCheckbox(page, 'manager').isChecked()).toBe(true);
    await expectAccessible(page, 'user detail after role change');
  });

  it('deactivates a user, who then cannot sign in, and reactivates them', async () => {
    const admin = await adminPage(e2e, `/admin/users/${operator.id}`);
    await admin.getByRole('button', { name: t('auth.users.deactivate') }).click();
    await admin.getByText(t('auth.users.inactive'), { exact: true }).waitFor();
    await expectAccessible(admin, 'deactivated user');

    const person = await e2e.newPage();
    await submitSignIn(person, operator.username, operator.oneTimePassword);
    expect(new URL(person.url()).pathname).toBe('/sign-in');
    await expect.poll(() => person.getByText(t('auth.error.invalidCredentials')).count()).toBeGreaterThan(0);

    await admin.getByRole('button', { name: t('auth.users.reactivate') }).click();
    await admin.getByText(t('auth.users.active'), { exact: true }).waitFor();
    await expectAccessible(admin, 'reactivated user');

    await signInFirstTime(person, operator, 'olga-Own-password-1');
    expect(await navLinks(person)).toContain(t('nav.overview'));
    await expectAccessible(person, 'overview as manager');
  });

  it('shows an auditor the audit trail but no administration, and explains a refusal', async () => {
    const page = await e2e.newPage();
    await signInFirstTime(page, auditor, 'arno-Own-password-1');
    const links = await navLinks(page);
    expect(links).toContain(t('nav.audit'));
    // Exactly the sections the auditor's permissions open, nothing that needs a write permission.
    const granted: readonly string[] = rolePermissions.auditor;
    const expected = navItems.filter((item) => item.permission === null || granted.includes(item.permission));
    expect(links).toEqual(expected.map((item) => t(item.label)));
    expect(expected.every((item) => !item.permission?.endsWith(':write'))).toBe(true);
    await expectAccessible(page, 'overview as auditor');

    await visit(page, '/audit');
    expect(new URL(page.url()).pathname).toBe('/audit');
    await expectAccessible(page, 'audit trail as auditor');

    // Read-only: the user list has no way to create users, and the form itself is refused.
    await visit(page, '/admin/users');
    expect(await page.getByRole('link', { name: t('auth.users.new') }).count()).toBe(0);
    const refused = await page.goto('/admin/users/new');
    expect(refused?.status()).toBe(403);
    await expect.poll(() => page.getByRole('main').innerText()).toContain(t('error.403'));
    expect(await page.getByRole('main').innerText()).toContain(t('error.403.permission', { permission: 'users:write' }));
    await expectAccessible(page, '403 page');

    await visit(page, '/admin/tokens');
    // Service tokens are readable for an auditor, but there is nothing to create or revoke.
    expect(await page.getByRole('button', { name: t('auth.tokens.create') }).count()).toBe(0);
    await expectAccessible(page, 'service tokens as auditor');
  });
});
