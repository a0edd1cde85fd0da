import { expect } from 'vitest';
import { expectAccessible, skipBrowserSuites } from '../support/e2e/browser';
import { useLeitstand } from '../support/e2e/fixture';
import { adminPage, t, visit, waitForHydration } from '../support/e2e/flows';

/*
 * The privacy pages as a DPO uses them in Chromium: intake of an erasure request through the
 * form (field errors shown next to the fields), its detail page moving through verification
 * and discovery, the deadline dashboard with the request in its days-left range, and the
 * stores, holds, retention and datasets pages — each checked with axe.
 */
describe.skipIf(skipBrowserSuites())('privacy pages', () => {
  const e2e = useLeitstand();
  const shots = process.env.PRIVACY_SHOTS;

  it('takes an erasure request in, shows its deadline, and moves it to discovery', async () => {
    const page = await adminPage(e2e, '/privacy/requests/new');
    await expectAccessible(page, 'new erasure request');
    await page.getByLabel(t('privacy.field.requesterName'), { exact: true }).fill('Anna Schmidt');
    await page.getByRole('button', { name: t('privacy.intake.submit') }).click();
    await expect.poll(() => page.locator('.field-error').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'new erasure request with errors');

    await page.locator('#value1').fill('anna@example.org');
    await page.getByLabel(t('privacy.field.requesterContact')).fill('anna@example.org');
    await page.getByLabel(t('privacy.field.receivedOn')).fill(new Date(Date.now() - 27 * 86_400_000).toISOString().slice(0, 10));
    await page.getByRole('button', { name: t('privacy.intake.submit') }).click();
    await page.waitForURL(/\/privacy\/requests\/[0-9a-f-]{36}$/);
    await waitForHydration(page);
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/ER-\d{8}-/);
    expect(await page.content()).not.toContain('anna@example.org');

    await page.locator('#verify-method').fill('reply from the registered address');
    await page.getByRole('button', { name: t('privacy.action.verify') }).click();
    await page.getByRole('button', { name: t('privacy.action.discover') }).click();
    await expect.poll(() => page.getByRole('heading', { name: t('privacy.discovery.title') }).count()).toBe(1);
    await expectAccessible(page, 'erasure request detail');
    if (shots) await page.screenshot({ path: `${shots}/privacy-request.png`, fullPage: true });

    await visit(page, '/privacy');
    await expectAccessible(page, 'privacy dashboard');
    expect(await page.locator('.privacy-bucket-d0_7 .privacy-bar-value').textContent()).toBe('1');
    if (shots) await page.screenshot({ path: `${shots}/privacy-dashboard.png`, fullPage: true });

    await visit(page, '/privacy/requests');
    await expectAccessible(page, 'erasure requests');
    expect(await page.locator('tbody tr').count()).toBe(1);
  });

  it('shows the stores, holds, retention and datasets pages accessibly', async () => {
    const page = await adminPage(e2e, '/privacy/stores');
    await expectAccessible(page, 'stores');
    await page.getByLabel(t('privacy.stores.name')).fill('crm');
    await page.getByRole('button', { name: t('privacy.stores.save') }).click();
    await expect.poll(() => page.locator('.field-error').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'stores with errors');
    expect(await page.locator('#credentials-error').innerText()).toBe(t('privacy.error.credentialsNeeded'));
    if (shots) await page.screenshot({ path: `${shots}/privacy-stores.png`, fullPage: true });

    // Register a Redis store, then edit it: the stored credentials are kept and never shown.
    await page.getByLabel(t('privacy.stores.kind')).selectOption('redis');
    await page.getByLabel(t('privacy.stores.config')).fill(JSON.stringify({ keys: [{ pattern: 'e2e:{subject}:*', kind: 'user_id', categories: ['user.session'] }] }));
    await page.getByLabel(t('privacy.stores.credentials')).fill(JSON.stringify({ url: 'redis://127.0.0.1:6379' }));
    await page.getByRole('button', { name: t('privacy.stores.save') }).click();
    await expect.poll(() => page.getByText(t('privacy.stores.saved', { name: 'crm' })).count()).toBe(1);
    await page.getByRole('link', { name: t('privacy.stores.editLabel', { name: 'crm' }) }).click();
    await page.waitForURL(/\/privacy\/stores\/[0-9a-f-]{36}$/);
    await waitForHydration(page);
    expect(await page.locator('#credentials').inputValue()).toBe('');
    expect(await page.content()).not.toContain('redis://127.0.0.1:6379');
    await expectAccessible(page, 'edit store');
    await page.getByLabel(t('privacy.stores.name')).fill('crm-cache');
    await page.getByRole('button', { name: t('privacy.stores.save') }).click();
    await expect.poll(() => page.getByText(t('privacy.stores.saved', { name: 'crm-cache' })).count()).toBe(1);

    // The same refusal in German: the server sends keys, the page translates them.
    await page.getByLabel(t('nav.language'), { exact: true }).selectOption('de');
    await page.getByRole('button', { name: t('nav.languageApply'), exact: true }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'de');
    try {
      await visit(page, '/privacy/stores');
      await page.getByLabel(t('privacy.stores.name', {}, 'de')).fill('crm2');
      await page.getByRole('button', { name: t('privacy.stores.save', {}, 'de') }).click();
      await expect.poll(() => page.locator('#credentials-error').count()).toBe(1);
      expect(await page.locator('#credentials-error').innerText()).toBe(t('privacy.error.credentialsNeeded', {}, 'de'));
      expect(await page.getByRole('alert').first().innerText()).toBe(t('privacy.error.credentialsRequired', {}, 'de'));
      await expectAccessible(page, 'stores with errors in German');
    } finally {
      await page.getByLabel(t('nav.language', {}, 'de'), { exact: true }).selectOption('en');
      await page.getByRole('button', { name: t('nav.languageApply', {}, 'de'), exact: true }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
    }
    for (const path of ['/privacy/holds', '/privacy/retention', '/privacy/datasets']) {
      await visit(page, path);
      await expectAccessible(page, path);
      if (shots) await page.screenshot({ path: `${shots}/privacy-${path.split('/').pop()}.png`, fullPage: true });
    }
  });
});
