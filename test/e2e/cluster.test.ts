import { expectAccessible, skipBrowserSuites } from '../support/e2e/browser';
import { useLeitstand } from '../support/e2e/fixture';
import { adminPage, t, visit } from '../support/e2e/flows';

describe.skipIf(skipBrowserSuites())('cluster, GPU and tenant pages', () => {
  const e2e = useLeitstand();

  it('shows the simulated cluster with its leader and says that it is simulated', async () => {
    const page = await adminPage(e2e, '/cluster');
    await page.getByRole('heading', { name: t('cluster.title'), level: 1 }).waitFor();
    await page.getByText(t('common.simulatedCluster')).waitFor();
    await page.getByText(t('cluster.kind.simulated')).waitFor();
    // The GPU context's leader-only controller is listed next to the desired-objects one.
    const controllers = page.getByRole('table', { name: t('cluster.controllers') });
    const dedications = controllers.getByRole('row').filter({ hasText: 'gpu-pool-dedications' });
    await expect.poll(() => dedications.innerText()).toContain(t('cluster.controllerKind.leaderOnly'));
    expect(await dedications.innerText()).toContain(t('cluster.runsOn.thisReplica'));
    await expectAccessible(page, 'cluster overview');
  });

  it('lists GPU nodes, filters them by product, and opens a node', async () => {
    const page = await adminPage(e2e, '/gpus');
    const table = page.getByRole('table', { name: t('gpus.caption') });
    await expect.poll(() => table.innerText()).toContain('NVIDIA-H100-80GB-HBM3');
    // The chart is drawn in the browser once recharts has loaded (a separate chunk, allowed by the CSP).
    const chart = page.getByRole('figure', { name: t('gpus.chart') });
    await chart.locator('svg.recharts-surface').first().waitFor();
    await expect.poll(() => chart.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'GPU inventory');
    await page.getByLabel(t('gpus.filter.product')).selectOption('NVIDIA-L40S');
    await page.getByRole('button', { name: t('table.applyFilters') }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('product')).toBe('NVIDIA-L40S');
    await expect.poll(() => table.innerText()).not.toContain('H100');
    const firstNode = table.locator('tbody').getByRole('link').first();
    const name = (await firstNode.innerText()).trim();
    await firstNode.click();
    await page.getByRole('heading', { name: t('node.title', { name }), level: 1 }).waitFor();
    await expectAccessible(page, 'node detail');
  });

  it('fits a phone screen: no page scrolls sideways, the chart keeps its bars', async () => {
    const page = await adminPage(e2e, '/');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/gpus', '/gpus/allocation', '/models', '/tenants', '/audit', '/privacy']) {
      await visit(page, path);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      // Wide tables scroll inside their own box; the page itself stays as wide as the screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    }
    await visit(page, '/gpus');
    const chart = page.getByRole('figure', { name: t('gpus.chart') });
    await expect.poll(() => chart.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
  });

  it('renders the allocation, planner and tenant pages accessibly', async () => {
    const page = await adminPage(e2e, '/');
    for (const path of ['/gpus/allocation', '/gpus/planner', '/gpus/pools', '/tenants']) {
      await visit(page, path);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await expectAccessible(page, path);
    }
  });
  it('drains a node as a background job and shows its progress on the node page', async () => {
    const node = 'gpu-l40s-02';
    const page = await adminPage(e2e, `/gpus/${node}`);
    await page.getByRole('button', { name: t('gpu.node.drainPreview') }).click();
    await page.getByRole('heading', { name: t('gpu.node.drainPreviewTitle') }).waitFor();
    await page.getByLabel(t('gpu.node.drainConfirm', { node })).fill(node);
    await page.getByRole('button', { name: t('gpu.node.drain'), exact: true }).click();
    await page.getByText(t('gpu.drain.started')).waitFor();
    const status = page.getByRole('region', { name: new RegExp(`^${t('gpu.drain.title')}`) });
    // The page refreshes itself while the job runs, until the job reports the node drained.
    await status.getByText(t('gpu.drain.state.succeeded'), { exact: true }).waitFor({ timeout: 20_000 });
    await expectAccessible(page, 'node drain status');
  });
});
