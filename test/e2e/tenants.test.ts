import { expectAccessible, skipBrowserSuites } from '../support/e2e/browser';
import { useLeitstand } from '../support/e2e/fixture';
import { adminPage, t, visit } from '../support/e2e/flows';

describe.skipIf(skipBrowserSuites())('tenants', () => {
  const e2e = useLeitstand();

  it('creates a tenant, applies its GPU quota to the cluster, refuses bad input next to the field, and publishes limits', async () => {
    const page = await adminPage(e2e, '/tenants');
    await page.getByRole('heading', { name: t('tenants.title'), level: 1 }).waitFor();

    // A slug that cannot name a namespace is refused at the field.
    const slug = page.getByLabel(t('tenants.slug'));
    await slug.fill('Radiology!');
    await page.getByLabel(t('tenants.name'), { exact: true }).fill('Radiology');
    await page.getByRole('button', { name: t('tenants.create') }).click();
    await expect.poll(() => slug.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'tenants with an error');

    await slug.fill('e2e-radiology');
    await page.getByRole('button', { name: t('tenants.create') }).click();
    await page.waitForURL(/\/tenants\/e2e-radiology$/);
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Radiology' }).waitFor();
    await expectAccessible(page, 'tenant');

    // A quota: saved, then applied by the controller as a ResourceQuota in tenant-e2e-radiology.
    const gpus = page.getByLabel(t('tenants.quota.gpus'));
    await gpus.fill('many');
    await page.getByRole('button', { name: t('tenants.quota.save') }).click();
    await expect.poll(() => gpus.getAttribute('aria-invalid')).toBe('true');
    await gpus.fill('4');
    await page.getByRole('button', { name: t('tenants.quota.save') }).click();
    await page.getByText(t('tenants.saved')).first().waitFor();
    const objects = page.getByRole('table', { name: t('tenants.objects') });
    await expect
      .poll(
        async () => {
          await visit(page, '/tenants/e2e-radiology');
          const rows = await objects.locator('tbody tr').allInnerTexts();
          return rows.filter((row) => row.includes('ResourceQuota') && row.includes(t('tenants.object.applied'))).length;
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBeGreaterThan(0);
    expect(await gpus.inputValue()).toBe('4');

    // Limits for the gateway: a token budget and rate limits, published.
    await page.getByLabel(t('tenants.limits.budget')).fill('2000000');
    await page.getByLabel(t('tenants.limits.rpm')).fill('120');
    await page.getByRole('button', { name: t('tenants.limits.save') }).click();
    await page.getByText(t('tenants.saved')).first().waitFor();
    await visit(page, '/tenants/e2e-radiology');
    expect(await page.getByLabel(t('tenants.limits.budget')).inputValue()).toBe('2000000');
    expect(await page.getByLabel(t('tenants.limits.rpm')).inputValue()).toBe('120');
    await expectAccessible(page, 'tenant with quota and limits');

    // The list shows it.
    await visit(page, '/tenants');
    await expect.poll(() => page.getByRole('table', { name: t('tenants.caption') }).innerText()).toContain('e2e-radiology');
  }, 90_000);
});
