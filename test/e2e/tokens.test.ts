import type { Page } from 'playwright-core';
import { expectAccessible, skipBrowserSuites } from '../support/e2e/browser';
import { useLeitstand } from '../support/e2e/fixture';
import { adminPage, escapeRegExp, t, visit } from '../support/e2e/flows';

/** Fills the create-token form on the current page and returns the secret shown once. */
async function createToken(page: Page, name: string, scopes: string[]): Promise<string> {
  await page.getByLabel(t('auth.tokens.name'), { exact: true }).fill(name);
  for (const scope of scopes) {
    await page.getByRole('checkbox', { name: new RegExp(`^\\s*${escapeRegExp(scope)}\\s*$`) }).check();
  }
  await page.getByRole('button', { name: t('auth.tokens.create') }).click();
  const secret = page.locator('output#new-token');
  await secret.waitFor();
  return (await secret.innerText()).trim();
}

async function me(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
}

describe.skipIf(skipBrowserSuites())('API tokens', () => {
  const e2e = useLeitstand();

  it('creates a personal token, shows it once, lets the API accept it, and refuses it once revoked', async () => {
    const page = await adminPage(e2e, '/account/tokens');
    await expectAccessible(page, 'personal tokens');
    const token = await createToken(page, 'e2e laptop', ['audit:read']);
    expect(token.length).toBeGreaterThanOrEqual(32);
    await expectAccessible(page, 'personal token created');
    // The form starts over for the next token; the secret stays on screen.
    await expect.poll(() => page.getByLabel(t('auth.tokens.name'), { exact: true }).inputValue()).toBe('');
    expect(await page.getByRole('checkbox', { name: /^\s*audit:read\s*$/ }).isChecked()).toBe(false);
    expect((await page.locator('output#new-token').innerText()).trim()).toBe(token);

    // Shown once: a fresh visit lists the token by name and prefix, never the secret.
    await visit(page, '/account/tokens');
    const listed = await page.getByRole('table').innerText();
    expect(listed).toContain('e2e laptop');
    expect(await page.content()).not.toContain(token);

    const accepted = await me(e2e.url, token);
    expect(accepted.status).toBe(200);
    expect(JSON.stringify(accepted.body)).toContain('admin');

    await page.getByRole('button', { name: t('auth.tokens.revokeNamed', { name: 'e2e laptop' }) }).click();
    await page.getByText(t('auth.tokens.revoked', { name: 'e2e laptop' })).waitFor();
    await expectAccessible(page, 'personal token revoked');
    expect((await me(e2e.url, token)).status).toBe(401);
  });

  it('lets the admin create a service token that is not tied to a person', async () => {
    const page = await adminPage(e2e, '/admin/tokens');
    await expectAccessible(page, 'service tokens');
    const token = await createToken(page, 'gateway usage feed', ['usage:ingest']);
    await expectAccessible(page, 'service token created');
    await expect.poll(() => page.getByLabel(t('auth.tokens.name'), { exact: true }).inputValue()).toBe('');
    expect(await page.getByRole('checkbox', { name: /^\s*usage:ingest\s*$/ }).isChecked()).toBe(false);
    await visit(page, '/admin/tokens');
    expect(await page.getByRole('table').innerText()).toContain('gateway usage feed');
    expect(await page.content()).not.toContain(token);
    // The token authenticates (it is not refused as unknown); it acts as no person.
    const answer = await me(e2e.url, token);
    expect(answer.status).not.toBe(401);
    expect(JSON.stringify(answer.body)).not.toContain('"username":"admin"');
  });
});
