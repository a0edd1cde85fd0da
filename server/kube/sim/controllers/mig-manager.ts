import { GPU_MODELS, isGpuResource } from '../gpu-catalog';
import { gpuState } from '../topology';
import { isTerminal, podRequests } from './pods';
import { type SimContext, WorkQueue } from './runtime';

const CONFIG = 'nvidia.com/mig.config';
const STATE = 'nvidia.com/mig.config.state';

/**
 * NVIDIA's k8s-mig-manager: when a node's nvidia.com/mig.config label names another
 * mig-parted layout, it reports state=pending, repartitions after a delay and the device
 * plugin re-advertises nvidia.com/gpu / nvidia.com/mig-* (GFD relabels); state=success.
 * Unknown layouts, GPUs that cannot do MIG, and GPUs still used by pods give
 * state=failed; a refused change is retried once the GPUs are free.
 */
export function startMigManager(ctx: SimContext) {
  const { api, store } = ctx;
  const applied = new Map<string, string>();
  const pending = new Map<string, { config: string; timer: NodeJS.Timeout | undefined }>();
  for (const node of store.list('Node')) {
    const cfg = node.metadata.labels?.[CONFIG];
    if (cfg) applied.set(node.metadata.name!, cfg);
  }

  const gpuPods = (nodeName: string) => store.byIndex('Pod', 'node', nodeName).filter((p) =>
    !isTerminal(p) && [...podRequests(p).entries()].some(([k, q]) => isGpuResource(k) && q.nano > 0n));

  const setState = (nodeName: string, state: string) => {
    api.mutate('Node', '', nodeName, 'nvidia-mig-manager', (n) => {
      if (n.metadata.labels?.[STATE] === state) return false;
      n.metadata.labels = { ...(n.metadata.labels ?? {}), [STATE]: state };
    });
  };

  const finish = (nodeName: string, config: string) => {
    pending.delete(nodeName);
    const node = store.get('Node', '', nodeName);
    if (!node || node.metadata.labels?.[CONFIG] !== config) return;
    if (gpuPods(nodeName).length > 0) {
      setState(nodeName, 'failed');
      return;
    }
    const labels = node.metadata.labels ?? {};
    const model = GPU_MODELS[labels['nvidia.com/gpu.product'] ?? ''] ?? Object.values(GPU_MODELS).find((m) => labels['nvidia.com/gpu.product']?.startsWith(`${m.product}-MIG`));
    if (!model) return;
    const count = Number(labels['nvidia.com/gpu.count'] ?? 0);
    const strategy = labels['nvidia.com/mig.strategy'] ?? 'mixed';
    const state = gpuState(model, count, strategy, config);
    api.mutate('Node', '', nodeName, 'nvidia-device-plugin', (n) => {
      const capacity = { ...(n.status.capacity ?? {}) } as Record<string, string>;
      const allocatable = { ...(n.status.allocatable ?? {}) } as Record<string, string>;
      for (const [k, v] of Object.entries(state.resources)) {
        capacity[k] = String(v);
        allocatable[k] = String(v);
      }
      n.status.capacity = capacity;
      n.status.allocatable = allocatable;
    }, 'status');
    api.mutate('Node', '', nodeName, 'gpu-feature-discovery', (n) => {
      const next: Record<string, string> = {};
      for (const [k, v] of Object.entries(n.metadata.labels ?? {})) if (!/^nvidia\.com\/mig-[^/]+\./.test(k)) next[k] = v;
      if (strategy === 'single') {
        next['nvidia.com/gpu.product'] = model.product;
        next['nvidia.com/gpu.memory'] = String(model.memoryMiB);
      }
      Object.assign(next, state.labels);
      next[STATE] = 'success';
      next['nvidia.com/gfd.timestamp'] = String(Math.floor(Date.now() / 1000));
      n.metadata.labels = next;
    });
    applied.set(nodeName, config);
  };

  const reconcile = (nodeName: string) => {
    const node = store.get('Node', '', nodeName);
    if (!node) {
      applied.delete(nodeName);
      return;
    }
    const desired = node.metadata.labels?.[CONFIG];
    if (!desired) return;
    const inFlight = pending.get(nodeName);
    if (desired === applied.get(nodeName)) {
      if (inFlight) {
        ctx.timers.cancel(inFlight.timer);
        pending.delete(nodeName);
      }
      if (node.metadata.labels?.[STATE] !== 'success') setState(nodeName, 'success');
      return;
    }
    if (inFlight?.config === desired) return;
    if (inFlight) ctx.timers.cancel(inFlight.timer);
    pending.delete(nodeName);
    const product = node.metadata.labels?.['nvidia.com/gpu.product'] ?? '';
    const model = GPU_MODELS[product] ?? Object.values(GPU_MODELS).find((m) => product.startsWith(`${m.product}-MIG`));
    if (!model || !model.migCapable || !model.migConfigs || !(desired in model.migConfigs) || gpuPods(nodeName).length > 0) {
      setState(nodeName, 'failed');
      return;
    }
    setState(nodeName, 'pending');
    pending.set(nodeName, { config: desired, timer: ctx.timers.after(ctx.migReconfigureDelayMs, () => finish(nodeName, desired)) });
  };

  const queue = new WorkQueue('mig-manager', ctx.timers, reconcile);
  store.onChange((t, ev) => {
    if (t.kind === 'Node') {
      if (ev.type === 'ADDED') {
        // A node registers with the layout its GPUs already have.
        const cfg = ev.object.metadata.labels?.[CONFIG];
        if (cfg) applied.set(ev.object.metadata.name!, cfg);
        return;
      }
      if (ev.type === 'DELETED' || ev.previous?.metadata.labels?.[CONFIG] !== ev.object.metadata.labels?.[CONFIG] ||
        ev.object.metadata.labels?.[CONFIG] !== applied.get(ev.object.metadata.name!)) queue.add(ev.object.metadata.name!);
    } else if (t.kind === 'Pod' && ev.object.spec?.nodeName) {
      const nodeName = ev.object.spec.nodeName as string;
      const freed = ev.type === 'DELETED' || (isTerminal(ev.object) && ev.previous && !isTerminal(ev.previous));
      const node = freed ? store.get('Node', '', nodeName) : undefined;
      if (node && node.metadata.labels?.[STATE] === 'failed' && node.metadata.labels?.[CONFIG] !== applied.get(nodeName)) queue.add(nodeName);
    }
  });
}

