import type { Page } from 'playwright-core';
import { expectAccessible as axeCheck, skipBrowserSuites } from '../support/e2e/browser';
import { useLeitstand } from '../support/e2e/fixture';
import { type CreatedUser, createUser, signInAsAdmin, signInFirstTime, t, visit } from '../support/e2e/flows';

const digest = (c: string) => c.repeat(64);

/** axe on the page once Remix finished loading (the main area is dimmed while it loads). */
async function expectAccessible(page: Page, label: string) {
  await page.waitForFunction(() => !document.querySelector('.main.loading'));
  await axeCheck(page, label);
}

/** Fills a labelled field of the page (or of a form). */
async function fill(scope: Page | ReturnType<Page['locator']>, label: string, value: string) {
  await scope.getByLabel(label, { exact: true }).fill(value);
}

/** The form holding a button with this name. */
function formWith(page: Page, button: string) {
  return page.locator('form', { has: page.getByRole('button', { name: button, exact: true }) });
}

async function registerVersion(page: Page, model: string, label: string, card: string) {
  await visit(page, `/models/${model}/versions/new`);
  await expectAccessible(page, 'register version form');
  await fill(page, t('models.version.label'), label);
  await fill(page, t('models.version.artifact'), `pvc://model-store/${model}/${label}`);
  await page.getByLabel(t('models.version.format'), { exact: true }).selectOption('safetensors');
  await page.getByLabel(t('models.version.quantization'), { exact: true }).selectOption('bf16');
  await fill(page, t('models.version.parameters'), '8B');
  await fill(page, t('models.version.context'), '32768');
  await fill(page, t('models.version.size'), '16GB');
  await fill(page, t('models.version.sha256'), digest(label === 'v1' ? 'a' : 'b'));
  await fill(page, t('models.version.datasets'), 'ds-public-web');
  await fill(page, t('models.eval.title'), 'mmlu, 0.68, mmlu-5shot, 2024-07-20\nmmlu, 0.70, mmlu-5shot, 2024-08-20');
  await fill(page, t('models.version.card'), card);
  await page.getByRole('button', { name: t('models.version.register') }).click();
  await page.waitForURL((u) => u.pathname === `/models/${model}/versions/${label}`);
  await page.getByRole('heading', { level: 1, name: new RegExp(`${model} ${label}`) }).waitFor();
  await expectAccessible(page, `version ${label}`);
  // Staging, then ask for production.
  await page.getByLabel(t('models.stage.move'), { exact: true }).selectOption('staging');
  await page.getByRole('button', { name: t('models.stage.apply') }).click();
  await page.getByText(t('models.done.stage')).waitFor();
  await fill(page, t('models.promotion.reason'), `${label} passed the evaluation suite`);
  await page.getByRole('button', { name: t('models.promotion.request') }).click();
  await page.getByText(t('models.done.requested')).waitFor();
  // The requester cannot approve their own request.
  await page.getByText(t('models.promotion.ownRequest')).waitFor();
  await expectAccessible(page, `version ${label} waiting for approval`);
}

async function approve(page: Page, model: string, label: string) {
  await visit(page, '/models');
  await expectAccessible(page, 'model list with pending approval');
  await page.getByRole('link', { name: `${model} ${label}` }).click();
  await page.waitForURL((u) => u.pathname === `/models/${model}/versions/${label}`);
  await page.getByRole('button', { name: t('models.promotion.approve') }).click();
  await page.getByText(t('models.done.approved')).waitFor();
  await expectAccessible(page, `version ${label} approved`);
}

async function waitReady(page: Page, what: string) {
  await page.locator('.badge-ok', { hasText: t('models.progress.ready') }).waitFor({ timeout: 45_000 });
  await expectAccessible(page, what);
}

describe.skipIf(skipBrowserSuites())('models: register, approve, roll out, canary, promote, roll back', () => {
  const e2e = useLeitstand();
  let olga: CreatedUser;
  let otto: CreatedUser;
  let alice: Page;
  let bob: Page;

  it('runs the whole lifecycle with two operators', { timeout: 240_000 }, async () => {
    const admin = await e2e.newPage();
    await signInAsAdmin(e2e, admin);
    olga = await createUser(admin, { username: 'olga', displayName: 'Olga Operator', roles: ['operator'] });
    otto = await createUser(admin, { username: 'otto', displayName: 'Otto Operator', roles: ['operator'] });
    alice = await e2e.newPage();
    await signInFirstTime(alice, olga, 'olga-New-password-1');
    bob = await e2e.newPage();
    await signInFirstTime(bob, otto, 'otto-New-password-1');

    // Olga registers the model and version v1 and asks for production.
    await visit(alice, '/models');
    await expectAccessible(alice, 'empty model list');
    await alice.getByRole('link', { name: t('models.new') }).click();
    await alice.waitForURL((u) => u.pathname === '/models/new');
    await expectAccessible(alice, 'new model form');
    await fill(alice, t('models.name'), 'llama-8b');
    await fill(alice, t('models.family'), 'llama');
    await fill(alice, t('models.owner'), 'ML platform');
    await fill(alice, t('models.license'), 'llama3.1');
    await fill(alice, t('models.tags'), 'chat, instruct');
    await alice.getByRole('button', { name: t('models.create') }).click();
    await alice.waitForURL((u) => u.pathname === '/models/llama-8b');
    await expectAccessible(alice, 'model page');
    await registerVersion(alice, 'llama-8b', 'v1', '# Llama 8B\n\n<script>alert(1)</script>\n\n| metric | value |\n|---|---|\n| mmlu | 0.68 |');
    // The card is rendered without letting the script tag through.
    expect(await alice.locator('.model-card script').count()).toBe(0);
    expect(await alice.locator('.model-card table').count()).toBe(1);

    // Otto, a second operator, approves.
    await approve(bob, 'llama-8b', 'v1');

    // Olga checks the placement and deploys v1.
    await visit(alice, '/models/llama-8b/deploy');
    await expectAccessible(alice, 'deploy form');
    await fill(alice, t('models.deployment.replicas'), '2');
    await fill(alice, t('models.deploy.gpus'), '1');
    await alice.getByRole('button', { name: t('models.deploy.check') }).click();
    await alice.getByText(t('models.placement.fits')).waitFor();
    await alice.getByRole('table', { name: t('models.placement.estimate') }).waitFor();
    await expectAccessible(alice, 'placement check');
    await fill(alice, t('models.rollout.reason'), 'first rollout');
    await alice.getByRole('button', { name: t('models.deploy.submit'), exact: true }).click();
    await alice.waitForURL((u) => u.pathname.startsWith('/models/deployments/'));
    await waitReady(alice, 'deployment ready');
    const deploymentPath = new URL(alice.url()).pathname;

    // v2 goes through the same four-eyes path, then runs as a 10 % canary.
    await registerVersion(alice, 'llama-8b', 'v2', '# Llama 8B, v2');
    await approve(bob, 'llama-8b', 'v2');
    await visit(alice, deploymentPath);
    const start = formWith(alice, t('models.canary.startButton'));
    await start.getByLabel(t('models.deploy.version'), { exact: true }).selectOption({ label: 'v2 (production)' });
    await fill(start, t('models.canary.weight'), '10');
    await fill(start, t('models.rollout.reason'), 'try v2 on 10 %');
    await start.getByRole('button', { name: t('models.canary.startButton') }).click();
    await alice.getByText(t('models.done.canary-start')).waitFor();
    await alice.getByText(t('models.deployment.canaryShare', { label: 'v2', weight: 10 })).waitFor();
    await waitReady(alice, 'canary ready');
    expect(await alice.getByRole('table', { name: t('models.progress.tracks') }).innerText()).toContain(t('models.progress.track.canary'));

    // Promote: v2 becomes the stable version.
    await alice.getByRole('button', { name: t('models.canary.promote') }).click();
    await alice.getByText(t('models.done.canary-promote')).waitFor();
    await waitReady(alice, 'promoted');
    const facts = () => alice.locator('dl.facts').innerText();
    expect(await facts()).toMatch(/v2/);

    // One action back to v1.
    const rollback = formWith(alice, t('models.rollback', { label: 'v1' }));
    await fill(rollback, t('models.rollout.reason'), 'latency regression');
    await rollback.getByRole('button', { name: t('models.rollback', { label: 'v1' }) }).click();
    await alice.getByText(t('models.done.rollback')).waitFor();
    await waitReady(alice, 'rolled back');
    const history = await alice.getByRole('region', { name: t('models.rollout.history') }).innerText();
    for (const kind of ['deploy', 'canary-start', 'canary-promote', 'rollback'] as const) {
      expect(history).toContain(t(`models.rollout.kind.${kind}`, { weight: 10 }));
    }
    expect(history).toContain('latency regression');
    expect(history).toContain('olga');

    // Otto changes the running deployment: a longer context and a third replica.
    await visit(bob, deploymentPath);
    await bob.getByRole('link', { name: t('models.edit.link') }).click();
    await bob.waitForURL((u) => u.pathname === `${deploymentPath}/edit`);
    await expectAccessible(bob, 'change deployment form');
    expect(await bob.getByLabel(t('models.deployment.replicas'), { exact: true }).inputValue()).toBe('2');
    await fill(bob, t('models.deployment.replicas'), '3');
    await fill(bob, t('models.deploy.maxLen'), '16384');
    await bob.getByRole('button', { name: t('models.deploy.check') }).click();
    await bob.getByText(t('models.placement.fits')).waitFor();
    await expectAccessible(bob, 'placement check of the change');
    await bob.getByRole('button', { name: t('models.edit.submit') }).click();
    // The reason is required: the field says so, nothing changes.
    await bob.locator('#reason-error').waitFor();
    await fill(bob, t('models.rollout.reason'), 'longer prompts from the RAG team');
    await bob.getByRole('button', { name: t('models.edit.submit') }).click();
    await bob.waitForURL((u) => u.pathname === deploymentPath);
    await waitReady(bob, 'changed deployment ready');
    expect(await bob.locator('dl.facts').innerText()).toMatch(/3 × 1 GPU/);
    const changed = await bob.getByRole('region', { name: t('models.rollout.history') }).innerText();
    expect(changed).toContain(t('models.rollout.kind.update'));
    // Fields by their labels, numbers with the reader's grouping.
    expect(changed).toContain(`${t('models.deployment.replicas')}: 2 → 3`);
    expect(changed).toContain(`${t('models.deploy.maxLen')}: — → 16,384`);
    expect(changed).toContain('longer prompts from the RAG team');
    // The job following the change records that it became ready.
    await bob.getByRole('region', { name: t('models.rollout.history') }).locator('tbody tr').first().getByText(t('models.rollout.outcome.ready'), { exact: true }).waitFor();
  });
});
