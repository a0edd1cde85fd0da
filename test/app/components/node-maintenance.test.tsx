import { renderToString } from 'react-dom/server';
import { StaticRouterProvider, createStaticHandler, createStaticRouter } from 'react-router-dom/server';
import { describe, expect, it } from 'vitest';
import { type DrainPreviewView, type MaintenanceResult, NodeMaintenance } from '~/components/gpu/node-maintenance';

/* The node page's maintenance section as the server renders it (inside a real data router). */

async function render(result: MaintenanceResult | undefined): Promise<string> {
  const element = <NodeMaintenance node="gpu-l40s-02" cordoned={false} migCapable={false} migLayouts={[]} result={result} />;
  const handler = createStaticHandler([{ path: '/gpus/n', element }]);
  const context = await handler.query(new Request('http://localhost/gpus/n'));
  if (context instanceof Response) throw new Error('unexpected redirect');
  return renderToString(<StaticRouterProvider router={createStaticRouter(handler.dataRoutes, context)} context={context} hydrate={false} />);
}

const text = (html: string) => html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

const plain = { workload: 'embedder', gpus: 1, outcome: 'evicted', reschedule: null, rescheduleReason: 'fits there now', bare: false, emptyDirVolumes: [], needs: [] };

const preview: DrainPreviewView = {
  pods: [
    { ...plain, namespace: 'shop', name: 'debug', workload: null, bare: true, rescheduleReason: 'a bare pod: nothing re-creates it', needs: ['force'] },
    { ...plain, namespace: 'shop', name: 'embedder-1' },
    { ...plain, namespace: 'shop', name: 'scratch-1', emptyDirVolumes: ['cache', 'shm'], needs: ['deleteEmptyDirData'] },
  ],
  blockedBy: [],
  needs: ['force', 'deleteEmptyDirData'],
  complete: true,
};

describe('NodeMaintenance drain preview', () => {
  it('marks the pods a drain destroys and asks for each acknowledgement with a checkbox', async () => {
    const html = await render({ ok: true, intent: 'drain-preview', preview });
    const t = text(html);
    expect(t).toContain('shop/debug');
    expect(t).toContain('nothing re-creates it — evicting deletes it for good');
    expect(t).toContain('needs: Evict bare pods');
    expect(t).toContain('its emptyDir data (cache, shm) is lost');
    expect(t).toContain('needs: Delete emptyDir data');
    expect(t).toContain('Acknowledgements this drain needs');
    expect(html).toMatch(/<input type="checkbox" name="force" value="true"/);
    expect(html).toMatch(/<input type="checkbox" name="deleteEmptyDirData" value="true"/);
    expect(t).toContain('Pods: shop/debug');
    expect(t).toContain('Pods: shop/scratch-1');
  });

  it('shows only the checkboxes the preview needs, and none when no pod needs one', async () => {
    const onlyEmptyDir = await render({ ok: true, intent: 'drain-preview', preview: { ...preview, pods: preview.pods.slice(1), needs: ['deleteEmptyDirData'] } });
    expect(onlyEmptyDir).toMatch(/name="deleteEmptyDirData"/);
    expect(onlyEmptyDir).not.toMatch(/name="force"/);
    const none = await render({ ok: true, intent: 'drain-preview', preview: { ...preview, pods: [preview.pods[1]!], needs: [] } });
    expect(none).not.toMatch(/type="checkbox"/);
    expect(text(none)).not.toContain('Acknowledgements this drain needs');
    expect(none).toMatch(/name="confirm"/);
  });
});
