import type { Admitter } from '../api';
import { forbidden, invalid, fieldErr } from '../errors';
import { formatQuantity, parseQuantity, parseResourceList } from '../quantity';
import { resourceForKind } from '../resources';
import { admitPodDefaults } from '../defaults';
import { isPlainObject } from '../types';
import type { SimContext } from './runtime';

/**
 * The admission plugins a real cluster runs besides ResourceQuota: LimitRanger (defaults
 * and min/max per container), ServiceAccount / DefaultTolerationSeconds / Priority for
 * pods, and the Service IP and node-port allocators.
 */
export function startAdmission(ctx: SimContext) {
  const { api, store } = ctx;
  const usedIps = new Set<string>();
  const usedPorts = new Set<number>();
  for (const svc of store.list('Service')) if (svc.spec?.clusterIP) usedIps.add(svc.spec.clusterIP as string);
  store.onChange((t, ev) => {
    if (t.kind !== 'Service') return;
    const ip = ev.object.spec?.clusterIP as string | undefined;
    const ports = ((ev.object.spec?.ports ?? []) as Array<{ nodePort?: number }>).map((p) => p.nodePort).filter((p): p is number => !!p);
    if (ev.type === 'DELETED') {
      if (ip) usedIps.delete(ip);
      for (const p of ports) usedPorts.delete(p);
    } else {
      if (ip) usedIps.add(ip);
      for (const p of ports) usedPorts.add(p);
    }
  });

  const limitRanger: Admitter = {
    mutate(a) {
      if (a.type.kind !== 'Pod' || a.op !== 'CREATE') return;
      admitPodDefaults(a.object);
      const ns = a.object.metadata.namespace!;
      const set: string[] = [];
      for (const lr of store.list('LimitRange', ns)) {
        for (const item of (lr.spec?.limits ?? []) as Array<Record<string, unknown>>) {
          if (item.type !== 'Container') continue;
          const def = (isPlainObject(item.default) ? item.default : {}) as Record<string, string>;
          const defReq = (isPlainObject(item.defaultRequest) ? item.defaultRequest : {}) as Record<string, string>;
          for (const c of (a.object.spec?.containers ?? []) as Array<{ name: string; resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }>) {
            c.resources ??= {};
            const reqSet: string[] = [];
            const limSet: string[] = [];
            for (const [k, v] of Object.entries(defReq)) {
              if (c.resources.requests?.[k] === undefined) {
                c.resources.requests = { ...(c.resources.requests ?? {}), [k]: v };
                reqSet.push(k);
              }
            }
            for (const [k, v] of Object.entries(def)) {
              if (c.resources.limits?.[k] === undefined) {
                c.resources.limits = { ...(c.resources.limits ?? {}), [k]: v };
                limSet.push(k);
              }
            }
            if (reqSet.length) set.push(`${reqSet.join(', ')} request for container ${c.name}`);
            if (limSet.length) set.push(`${limSet.join(', ')} limit for container ${c.name}`);
          }
        }
      }
      if (set.length) {
        a.object.metadata.annotations = { ...(a.object.metadata.annotations ?? {}), 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${set.join('; ')}` };
      }
    },
    validate(a) {
      if (a.type.kind !== 'Pod' || a.op !== 'CREATE') return;
      const problems: string[] = [];
      for (const lr of store.list('LimitRange', a.object.metadata.namespace!)) {
        for (const item of (lr.spec?.limits ?? []) as Array<Record<string, unknown>>) {
          if (item.type !== 'Container') continue;
          const max = parseResourceList(item.max as Record<string, unknown>);
          const min = parseResourceList(item.min as Record<string, unknown>);
          for (const c of (a.object.spec?.containers ?? []) as Array<{ resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }>) {
            for (const [k, mn] of min) {
              const req = c.resources?.requests?.[k];
              if (req === undefined) problems.push(`minimum ${k} usage per Container is ${formatQuantity(mn)}.  No request is specified`);
              else if (parseQuantity(req).nano < mn.nano) problems.push(`minimum ${k} usage per Container is ${formatQuantity(mn)}, but request is ${req}`);
            }
            for (const [k, mx] of max) {
              const lim = c.resources?.limits?.[k];
              if (lim === undefined) problems.push(`maximum ${k} usage per Container is ${formatQuantity(mx)}.  No limit is specified`);
              else if (parseQuantity(lim).nano > mx.nano) problems.push(`maximum ${k} usage per Container is ${formatQuantity(mx)}, but limit is ${lim}`);
            }
          }
        }
      }
      if (problems.length) throw forbidden(a.type, a.object.metadata.name!, problems.length === 1 ? problems[0]! : `[${problems.join(', ')}]`);
    },
  };
  api.addAdmitter(limitRanger);

  api.addAdmitter({
    mutate(a) {
      if (a.type.kind !== 'Service') return;
      const spec = a.object.spec ?? {};
      if (a.op === 'UPDATE') {
        // Omitted allocated fields keep their values on update.
        if (!spec.clusterIP && a.old?.spec?.clusterIP) spec.clusterIP = a.old.spec.clusterIP;
        if (!spec.clusterIPs && a.old?.spec?.clusterIPs) spec.clusterIPs = a.old.spec.clusterIPs;
        return;
      }
      if (spec.type === 'ExternalName') return;
      if (!spec.clusterIP) {
        let ip: string;
        do ip = `10.96.${ctx.rng.int(255)}.${1 + ctx.rng.int(254)}`;
        while (usedIps.has(ip) || ip === '10.96.0.1');
        spec.clusterIP = ip;
      } else if (spec.clusterIP !== 'None' && usedIps.has(spec.clusterIP)) {
        throw invalid(resourceForKind('Service'), a.object.metadata.name ?? '', [fieldErr.invalid('spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`)]);
      }
      spec.clusterIPs = [spec.clusterIP];
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
        for (const p of (spec.ports ?? []) as Array<{ nodePort?: number }>) {
          if (p.nodePort) continue;
          let port: number;
          do port = 30000 + ctx.rng.int(2768);
          while (usedPorts.has(port));
          p.nodePort = port;
        }
        spec.externalTrafficPolicy ??= 'Cluster';
      }
    },
  });
}
