import { renderToString } from 'react-dom/server';
import { StaticRouterProvider, createStaticHandler, createStaticRouter } from 'react-router-dom/server';
import { describe, expect, it } from 'vitest';
import { DrainStatus, type DrainStatusView } from '~/components/gpu/drain-status';

/* The node page's drain status as the server renders it (inside a real data router). */

async function render(drain: DrainStatusView, canWrite = true): Promise<string> {
  const handler = createStaticHandler([{ path: '/gpus/n', element: <DrainStatus drain={drain} canWrite={canWrite} /> }]);
  const context = await handler.query(new Request('http://localhost/gpus/n'));
  if (context instanceof Response) throw new Error('unexpected redirect');
  return renderToString(<StaticRouterProvider router={createStaticRouter(handler.dataRoutes, context)} context={context} hydrate={false} />);
}

const text = (html: string) => html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

const blocked: DrainStatusView = {
  job: {
    id: 'j1',
    state: 'queued',
    attempts: 2,
    maxAttempts: 60,
    lastError: '1 of 3 pods on gpu-h100-01 are not evicted yet: blocked — shop/ranker-1: PodDisruptionBudget shop/ranker allows 0 disruptions now (1 healthy, 1 required)',
    createdAt: '2026-11-22T00:00:00.000Z',
    finishedAt: null,
    cancelRequested: false,
    createdBy: 'ada',
    runAt: '2026-11-22T00:00:10.000Z',
  },
  evicted: 2,
  total: 3,
  remaining: ['shop/ranker-1'],
  blockedBy: [{ pdb: 'shop/ranker', disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, pods: ['ranker-1'] }],
  pods: [
    { pod: 'shop/embedder-1', state: 'gone', pdbs: [], reason: null, evictedByDrain: true },
    { pod: 'shop/late-1', state: 'evicting', pdbs: [], reason: null, evictedByDrain: true },
    { pod: 'shop/manual-1', state: 'gone', pdbs: [], reason: null, evictedByDrain: false },
    { pod: 'shop/ranker-1', state: 'blocked', pdbs: ['shop/ranker'], reason: null, evictedByDrain: false },
    { pod: 'shop/search-1', state: 'failed', pdbs: [], reason: 'eviction failed: timeout', evictedByDrain: false },
    { pod: 'shop/tail-1', state: 'waiting', pdbs: [], reason: null, evictedByDrain: false },
  ],
  result: null,
};

describe('DrainStatus', () => {
  it('shows evicted, remaining and the budget that blocks, with a way to stop', async () => {
    const html = await render(blocked);
    const t = text(html);
    expect(t).toContain('Drain Waiting');
    expect(html).toMatch(/<progress id="drain-progress" max="3" value="2"/);
    expect(t).toContain('2 of 3 pods evicted, 1 still on the node');
    expect(t).toContain('Blocked by shop/ranker: allows 0 disruptions (1 healthy, 1 required) — ranker-1');
    expect(t).toContain('attempt 2 of 60');
    expect(t).toContain('Next attempt at');
    expect(t).toContain('PodDisruptionBudget shop/ranker allows 0 disruptions now');
    expect(html).toMatch(/name="intent" value="drain-cancel"/);
    // Each pod of the drain with where it stands now.
    expect(t).toContain('shop/embedder-1 Gone (evicted)');
    expect(t).toContain('shop/late-1 Evicting');
    expect(t).toContain('shop/manual-1 Gone (removed without this drain)');
    expect(t).toContain('shop/ranker-1 Blocked by PodDisruptionBudget shop/ranker');
    expect(t).toContain('shop/search-1 Eviction failed eviction failed: timeout');
    expect(t).toContain('shop/tail-1 To be evicted');
    // Readers without gpu:write see the status but cannot stop it.
    expect(await render(blocked, false)).not.toMatch(/drain-cancel/);
  });

  it('says when the drain is done, and when it gave up', async () => {
    const done = text(await render({ ...blocked, job: { ...blocked.job, state: 'succeeded', lastError: null }, evicted: 3, remaining: [], blockedBy: [], result: { evicted: ['a', 'b', 'c'], gone: ['d'], skipped: [{ pod: 'kube-system/dcgm', reason: 'managed by a DaemonSet' }] } }));
    expect(done).toContain('Drained: 3 pods evicted; 1 stay');
    expect(done).toContain('1 went before the drain evicted them.');
    expect(done).not.toContain('Stop the drain');
    const failed = text(await render({ ...blocked, job: { ...blocked.job, state: 'failed', attempts: 60 } }));
    expect(failed).toContain('Gave up');
    expect(failed).toContain('The drain gave up. Drain again once the budgets allow.');
    expect(failed).not.toContain('Stop the drain');
  });

  it('names the acknowledgements a pod waits for, and what the drain was started with', async () => {
    const waiting: DrainStatusView = {
      ...blocked,
      blockedBy: [],
      acknowledged: { force: true, deleteEmptyDirData: false },
      needs: ['deleteEmptyDirData'],
      pods: [
        {
          pod: 'shop/scratch-1',
          state: 'blocked',
          pdbs: [],
          needs: ['deleteEmptyDirData'],
          reason: 'not evicted without acknowledgement: its emptyDir data (cache) would be lost (needs deleteEmptyDirData)',
          evictedByDrain: false,
        },
      ],
    };
    const t = text(await render(waiting));
    expect(t).toContain('Started with: Evict bare pods.');
    expect(t).toContain('This drain was started without “Delete emptyDir data”');
    expect(t).toContain('shop/scratch-1 Blocked for lack of acknowledgement: Delete emptyDir data (not evicted without acknowledgement: its emptyDir data (cache) would be lost');
    expect(t).not.toContain('by PodDisruptionBudget');
    // Nothing lacking: no alert.
    expect(text(await render({ ...waiting, needs: [], pods: [] }))).not.toContain('was started without');
  });
});
