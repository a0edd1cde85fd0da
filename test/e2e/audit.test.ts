import fs from 'node:fs';
import { expect } from 'vitest';
import { expectAccessible, skipBrowserSuites } from '../support/e2e/browser';
import { useLeitstand } from '../support/e2e/fixture';
import { signInAsAdmin, t, visit } from '../support/e2e/flows';

/*
 * The audit page as a person uses it in Chromium: the trail of the admin's own sign-in and
 * password change, keyboard sorting with aria-sort, the URL as the table's state (back and
 * forward), filters, the event detail with its diff, verification with its result, and the
 * export download.
 */
describe.skipIf(skipBrowserSuites())('audit trail page', () => {
  const e2e = useLeitstand();

  it('lists the events, sorts from the keyboard, and keeps the view in the URL', async () => {
    const page = await e2e.newPage();
    await signInAsAdmin(e2e, page);
    await visit(page, '/audit');
    await expectAccessible(page, 'audit trail');
    const table = page.getByRole('table', { name: t('audit.caption') });
    const actions = () => table.locator('tbody tr td:nth-child(4)').allInnerTexts();
    // The initial admin's creation is the first event ever; the password change came later.
    expect(await actions()).toContain('user.password.change');
    const timeHeader = table.getByRole('columnheader', { name: t('audit.col.time') });
    expect(await timeHeader.getAttribute('aria-sort')).toBe('descending');
    const newestFirst = await table.locator('tbody tr td:first-child').allInnerTexts();

    await timeHeader.getByRole('link').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('sort') === 'time');
    await expect.poll(() => timeHeader.getAttribute('aria-sort')).toBe('ascending');
    const oldestFirst = await table.locator('tbody tr td:first-child').allInnerTexts();
    expect(oldestFirst[0]).toBe('1');
    expect(oldestFirst).toEqual([...oldestFirst].sort((a, b) => Number(a) - Number(b)));

    await page.goBack();
    await page.waitForURL((url) => !url.searchParams.has('sort'));
    await expect.poll(() => timeHeader.getAttribute('aria-sort')).toBe('descending');
    expect((await table.locator('tbody tr td:first-child').allInnerTexts())[0]).toBe(newestFirst[0]);
    await page.goForward();
    await expect.poll(() => timeHeader.getAttribute('aria-sort')).toBe('ascending');
  });

  it('filters by action prefix, shows field errors, and opens an event with its diff', async () => {
    const page = await e2e.newPage();
    await signInAsAdmin(e2e, page);
    await visit(page, '/audit');
    await page.getByLabel(t('audit.filter.action'), { exact: true }).fill('user.password');
    await page.getByRole('button', { name: t('table.applyFilters') }).click();
    await page.waitForURL((url) => url.searchParams.get('action') === 'user.password');
    const table = page.getByRole('table', { name: t('audit.caption') });
    await expect.poll(async () => [...new Set(await table.locator('tbody tr td:nth-child(4)').allInnerTexts())]).toEqual([
      'user.password.change',
    ]);
    // Empty filters stay out of the URL.
    expect(new URL(page.url()).search).toBe('?action=user.password');

    await table.locator('tbody tr td:first-child a').first().click();
    await page.waitForURL(/\/audit\/\d+$/);
    await page.getByRole('heading', { level: 1, name: /\d+/ }).waitFor();
    await expectAccessible(page, 'audit event');
    expect(await page.locator('dl.details').innerText()).toContain('user.password.change');
    // The password itself never reaches the trail.
    expect(await page.content()).not.toContain(e2e.adminPassword);

    await visit(page, '/audit?from=tomorrow');
    const from = page.getByLabel(t('audit.filter.from'), { exact: true });
    expect(await from.getAttribute('aria-invalid')).toBe('true');
    await page.getByText(t('audit.error.time')).waitFor();
    await expectAccessible(page, 'audit trail with a bad filter');
  });

  it('verifies the chain with progress and a recorded result', async () => {
    const page = await e2e.newPage();
    await signInAsAdmin(e2e, page);
    await visit(page, '/audit');
    await page.getByRole('button', { name: t('audit.verify.button') }).click();
    const status = page.locator('.verify-status');
    await status.locator('.alert-ok').waitFor();
    const text = await status.innerText();
    expect(text).toMatch(/\d+ events verified/);
    const recorded = /recorded as event no\. (\d+)/.exec(text)?.[1];
    expect(recorded).toBeDefined();
    await expectAccessible(page, 'audit trail after verification');
    await visit(page, `/audit/${recorded}`);
    expect(await page.locator('dl.details').innerText()).toContain('audit.verify');
  });

  it('downloads the filtered trail as CSV and as JSON lines', async () => {
    const page = await e2e.newPage();
    await signInAsAdmin(e2e, page);
    await visit(page, '/audit?action=user.');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: t('audit.export.csv') }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^leitstand-audit-.*\.csv$/);
    const file = await download.path();
    const csv = fs.readFileSync(file!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('id,occurred_at,')).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((line) => /^\d+,[^,]+,[^,]*,[^,]*,[^,]*,user\./.test(line))).toBe(true);

    const [jsonl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: t('audit.export.jsonl') }).click(),
    ]);
    expect(jsonl.suggestedFilename()).toMatch(/^leitstand-audit-.*\.jsonl$/);
    const events = fs
      .readFileSync((await jsonl.path())!, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; action: string; hash: string });
    expect(events.map((e) => e.id)).toEqual(lines.slice(1).map((line) => Number(line.split(',')[0])));
    expect(events.every((e) => e.action.startsWith('user.') && /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
  });
});
