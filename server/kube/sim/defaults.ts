import { badRequest } from './errors';
import { QUANTITY_ERROR, canonicalQuantity, isQuantity } from './quantity';
import { type ResourceType } from './resources';
import { type KubeObject, isPlainObject } from './types';

type Obj = Record<string, unknown>;

function canonList(list: unknown, t: ResourceType) {
  if (!isPlainObject(list)) return;
  for (const [k, v] of Object.entries(list)) {
    if (v === undefined || v === null) continue;
    if (!isQuantity(v)) throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${QUANTITY_ERROR}`);
    list[k] = canonicalQuantity(v as string);
  }
}

function isBase64(v: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;
}

function firstBadByte(v: string): number {
  const i = v.search(/[^A-Za-z0-9+/=]/);
  return i >= 0 ? i : Math.max(0, v.length - (v.length % 4));
}

function canonPodSpec(spec: unknown, t: ResourceType) {
  if (!isPlainObject(spec)) return;
  for (const key of ['containers', 'initContainers']) {
    const cs = spec[key];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      if (!isPlainObject(c) || !isPlainObject(c.resources)) continue;
      canonList(c.resources.limits, t);
      canonList(c.resources.requests, t);
    }
  }
  canonList(spec.overhead, t);
}

/** metav1.MicroTime as the server prints it: RFC 3339 with exactly six fractional digits. */
export function canonicalMicroTime(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(v);
  if (!m) return v;
  if (m[3] !== 'Z') {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return v;
    return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/**
 * Decoding: quantities are parsed and re-printed in canonical form, as the API server's
 * serializer does; malformed ones are a 400 like a JSON decoding error.
 */
export function canonicalize(t: ResourceType, obj: KubeObject) {
  switch (t.kind) {
    case 'Pod':
      canonPodSpec(obj.spec, t);
      break;
    case 'Deployment':
    case 'ReplicaSet':
      canonPodSpec(obj.spec?.template?.spec, t);
      break;
    case 'ResourceQuota':
      canonList(obj.spec?.hard, t);
      canonList(obj.status?.hard, t);
      canonList(obj.status?.used, t);
      break;
    case 'LimitRange':
      for (const l of Array.isArray(obj.spec?.limits) ? obj.spec.limits : []) {
        if (!isPlainObject(l)) continue;
        for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) canonList(l[f], t);
      }
      break;
    case 'Node':
      canonList(obj.status?.capacity, t);
      canonList(obj.status?.allocatable, t);
      break;
    case 'Secret':
    case 'ConfigMap': {
      const field = t.kind === 'Secret' ? 'data' : 'binaryData';
      const data = obj[field];
      if (isPlainObject(data)) {
        for (const [k, v] of Object.entries(data)) {
          if (typeof v !== 'string' || !isBase64(v))
            throw badRequest(`${t.kind} in version "v1" cannot be handled as a ${t.kind}: illegal base64 data at input byte ${firstBadByte(String(v))}`);
          data[k] = v;
        }
      }
      if (t.kind === 'Secret' && isPlainObject(obj.stringData)) {
        // stringData is write-only: it lands base64-encoded in data and is not stored.
        const merged = (isPlainObject(obj.data) ? obj.data : {}) as Record<string, unknown>;
        for (const [k, v] of Object.entries(obj.stringData)) merged[k] = Buffer.from(String(v), 'utf8').toString('base64');
        obj.data = merged;
        delete obj.stringData;
      }
      break;
    }
    case 'Lease':
      if (isPlainObject(obj.spec)) {
        for (const f of ['acquireTime', 'renewTime']) if (obj.spec[f] !== undefined) obj.spec[f] = canonicalMicroTime(obj.spec[f]);
      }
      break;
    case 'Event':
      if (obj.eventTime) obj.eventTime = canonicalMicroTime(obj.eventTime);
      break;
  }
}

function imagePullPolicy(image: string): string {
  const lastSegment = image.split('/').pop() ?? image;
  if (image.includes('@')) return 'IfNotPresent';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Obj, isPod: boolean) {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (typeof c.image === 'string') c.imagePullPolicy ??= imagePullPolicy(c.image);
  c.resources ??= {};
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isPlainObject(p)) p.protocol ??= 'TCP';
  if (isPod && isPlainObject(c.resources) && isPlainObject(c.resources.limits)) {
    // A limit without a request defaults the request to the limit (SetDefaults_Pod).
    const requests = (isPlainObject(c.resources.requests) ? c.resources.requests : {}) as Obj;
    for (const [k, v] of Object.entries(c.resources.limits)) if (requests[k] === undefined) requests[k] = v;
    c.resources.requests = requests;
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = c[probe];
    if (!isPlainObject(p)) continue;
    p.timeoutSeconds ??= 1;
    p.periodSeconds ??= 10;
    p.successThreshold ??= 1;
    p.failureThreshold ??= 3;
    if (isPlainObject(p.httpGet)) p.httpGet.scheme ??= 'HTTP';
  }
}

function defaultPodSpec(spec: Obj, isPod: boolean) {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  for (const key of ['containers', 'initContainers']) {
    if (Array.isArray(spec[key])) for (const c of spec[key] as unknown[]) if (isPlainObject(c)) defaultContainer(c, isPod);
  }
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes) {
      if (!isPlainObject(v)) continue;
      if (isPlainObject(v.configMap)) v.configMap.defaultMode ??= 420;
      if (isPlainObject(v.secret)) v.secret.defaultMode ??= 420;
    }
  }
}

/** Admission plugins every real cluster runs on pod creation (ServiceAccount, DefaultTolerationSeconds, Priority). */
export function admitPodDefaults(pod: KubeObject) {
  const spec = pod.spec as Obj;
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  const tolerations = (Array.isArray(spec.tolerations) ? spec.tolerations : []) as Obj[];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerations.some((t) => t.key === key && (t.effect === 'NoExecute' || !t.effect)) && !tolerations.some((t) => !t.key && t.operator === 'Exists'))
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
}

function defaultHttpRoute(obj: KubeObject) {
  const spec = (obj.spec ??= {}) as Obj;
  if (Array.isArray(spec.parentRefs)) {
    for (const p of spec.parentRefs) {
      if (!isPlainObject(p)) continue;
      p.group ??= 'gateway.networking.k8s.io';
      p.kind ??= 'Gateway';
    }
  }
  spec.rules ??= [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }];
  for (const r of Array.isArray(spec.rules) ? spec.rules : []) {
    if (!isPlainObject(r)) continue;
    r.matches ??= [{ path: { type: 'PathPrefix', value: '/' } }];
    for (const m of Array.isArray(r.matches) ? r.matches : []) {
      if (!isPlainObject(m)) continue;
      if (isPlainObject(m.path)) {
        m.path.type ??= 'PathPrefix';
        m.path.value ??= '/';
      }
      for (const h of Array.isArray(m.headers) ? m.headers : []) if (isPlainObject(h)) h.type ??= 'Exact';
      for (const h of Array.isArray(m.queryParams) ? m.queryParams : []) if (isPlainObject(h)) h.type ??= 'Exact';
    }
    for (const b of Array.isArray(r.backendRefs) ? r.backendRefs : []) {
      if (!isPlainObject(b)) continue;
      b.group ??= '';
      b.kind ??= 'Service';
      b.weight ??= 1;
    }
  }
}

/** Fills in the defaults the API server's defaulting functions set, in place. */
export function applyDefaults(t: ResourceType, obj: KubeObject) {
  switch (t.kind) {
    case 'Pod':
      obj.spec ??= {};
      defaultPodSpec(obj.spec, true);
      break;
    case 'Deployment':
    case 'ReplicaSet': {
      const spec = (obj.spec ??= {}) as Obj;
      spec.replicas ??= 1;
      if (t.kind === 'Deployment') {
        spec.revisionHistoryLimit ??= 10;
        spec.progressDeadlineSeconds ??= 600;
        const strategy = (isPlainObject(spec.strategy) ? spec.strategy : (spec.strategy = {})) as Obj;
        strategy.type ??= 'RollingUpdate';
        if (strategy.type === 'RollingUpdate') {
          const ru = (isPlainObject(strategy.rollingUpdate) ? strategy.rollingUpdate : (strategy.rollingUpdate = {})) as Obj;
          ru.maxUnavailable ??= '25%';
          ru.maxSurge ??= '25%';
        }
      }
      if (isPlainObject(spec.template) && isPlainObject(spec.template.spec)) defaultPodSpec(spec.template.spec, false);
      break;
    }
    case 'Service': {
      const spec = (obj.spec ??= {}) as Obj;
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (spec.type !== 'ExternalName') {
        spec.internalTrafficPolicy ??= 'Cluster';
        spec.ipFamilyPolicy ??= 'SingleStack';
        spec.ipFamilies ??= ['IPv4'];
      }
      for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
        if (!isPlainObject(p)) continue;
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      obj.status ??= { loadBalancer: {} };
      break;
    }
    case 'Secret':
      obj.type ??= 'Opaque';
      break;
    case 'Namespace': {
      obj.spec ??= {};
      obj.spec.finalizers ??= ['kubernetes'];
      obj.status ??= {};
      obj.status.phase ??= 'Active';
      const labels = (obj.metadata.labels ??= {});
      if (obj.metadata.name) labels['kubernetes.io/metadata.name'] = obj.metadata.name;
      break;
    }
    case 'LimitRange':
      for (const l of Array.isArray(obj.spec?.limits) ? obj.spec.limits : []) {
        if (!isPlainObject(l) || l.type !== 'Container') continue;
        const max = (isPlainObject(l.max) ? l.max : {}) as Obj;
        const min = (isPlainObject(l.min) ? l.min : {}) as Obj;
        const def = (isPlainObject(l.default) ? l.default : {}) as Obj;
        for (const [k, v] of Object.entries(max)) def[k] ??= v;
        const defReq = (isPlainObject(l.defaultRequest) ? l.defaultRequest : {}) as Obj;
        for (const [k, v] of Object.entries(def)) defReq[k] ??= v;
        for (const [k, v] of Object.entries(min)) defReq[k] ??= v;
        if (Object.keys(def).length) l.default = def;
        if (Object.keys(defReq).length) l.defaultRequest = defReq;
      }
      break;
    case 'HTTPRoute':
      defaultHttpRoute(obj);
      break;
    case 'PodDisruptionBudget':
      obj.spec ??= {};
      break;
  }
}
