import { type FieldError, fieldErr } from './errors';
import { parseQuantity, type Quantity } from './quantity';
import type { ResourceType } from './resources';
import { fromLabelSelectorObject, matchesLabels } from './selectors';
import { type KubeObject, deepEqual, isPlainObject } from './types';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export const MSG = {
  dns1123Label: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  dns1123Subdomain: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  dns1035Label: "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  qualifiedName: "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  labelValue: "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  configKey: "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  envName: "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
};

type NameRule = 'subdomain' | 'label' | 'dns1035';
const NAME_RULE: Record<string, NameRule> = { Namespace: 'label', Service: 'dns1035' };

function nameErrors(rule: NameRule, value: string): string[] {
  const out: string[] = [];
  const max = rule === 'subdomain' ? 253 : 63;
  if (value.length > max) out.push(`must be no more than ${max} characters`);
  const [re, msg] = rule === 'subdomain' ? [DNS1123_SUBDOMAIN, MSG.dns1123Subdomain]
    : rule === 'label' ? [DNS1123_LABEL, MSG.dns1123Label] : [DNS1035_LABEL, MSG.dns1035Label];
  if (!re.test(value)) out.push(msg);
  return out;
}

/** Errors of a qualified name (label / annotation key / taint key), as IsQualifiedName. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const out: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) out.push('prefix part must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN.test(prefix)) out.push(`prefix part ${MSG.dns1123Subdomain}`);
    }
  } else if (parts.length > 2) {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) out.push('name part must be non-empty');
  else {
    if (name.length > 63) out.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME.test(name)) out.push(MSG.qualifiedName);
  }
  return out;
}

function labelValueErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(value)) out.push(MSG.labelValue);
  return out;
}

/** Validates a map of labels at `field`. */
export function validateLabels(labels: unknown, field: string, errs: FieldError[]) {
  if (labels === undefined || labels === null) return;
  if (!isPlainObject(labels)) {
    errs.push(fieldErr.invalid(field, labels, 'must be a map of strings'));
    return;
  }
  for (const [k, v] of Object.entries(labels)) {
    for (const m of qualifiedNameErrors(k)) errs.push(fieldErr.invalid(field, k, m));
    if (typeof v !== 'string') errs.push(fieldErr.invalid(field, v, 'must be a string'));
    else for (const m of labelValueErrors(v)) errs.push(fieldErr.invalid(field, v, m));
  }
}

function validateMeta(t: ResourceType, obj: KubeObject, errs: FieldError[]) {
  const md = obj.metadata;
  const rule = NAME_RULE[t.kind] ?? 'subdomain';
  if (!md.name) errs.push(fieldErr.required('metadata.name', 'name or generateName is required'));
  else for (const m of nameErrors(rule, md.name)) errs.push(fieldErr.invalid('metadata.name', md.name, m));
  validateLabels(md.labels, 'metadata.labels', errs);
  if (md.annotations) {
    let size = 0;
    for (const [k, v] of Object.entries(md.annotations)) {
      for (const m of qualifiedNameErrors(k.toLowerCase())) errs.push(fieldErr.invalid('metadata.annotations', k, m));
      size += k.length + String(v).length;
    }
    if (size > 262144) errs.push(fieldErr.tooLong('metadata.annotations', 262144));
  }
  if (md.finalizers) {
    for (const [i, f] of md.finalizers.entries()) {
      for (const m of qualifiedNameErrors(f)) errs.push(fieldErr.invalid(`metadata.finalizers[${i}]`, f, m));
    }
  }
}

function q(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return parseQuantity(v);
  } catch {
    return undefined;
  }
}

/** Resource names that are neither native nor overcommittable: nvidia.com/gpu, MIG slices. */
export function isExtendedResource(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.includes('.kubernetes.io/') &&
    !name.startsWith('requests.') && !name.startsWith('hugepages-');
}

function validateContainer(c: Record<string, unknown>, path: string, errs: FieldError[], names: Set<string>) {
  const name = c.name;
  if (typeof name !== 'string' || !name) errs.push(fieldErr.required(`${path}.name`));
  else {
    for (const m of nameErrors('label', name)) errs.push(fieldErr.invalid(`${path}.name`, name, m));
    if (names.has(name)) errs.push(fieldErr.duplicate(`${path}.name`, name));
    names.add(name);
  }
  if (typeof c.image !== 'string' || !c.image.trim()) errs.push(fieldErr.required(`${path}.image`));
  const ports = Array.isArray(c.ports) ? (c.ports as Array<Record<string, unknown>>) : [];
  ports.forEach((p, i) => {
    const cp = p.containerPort;
    if (cp === undefined) errs.push(fieldErr.required(`${path}.ports[${i}].containerPort`));
    else if (typeof cp !== 'number' || cp < 1 || cp > 65535 || !Number.isInteger(cp))
      errs.push(fieldErr.invalid(`${path}.ports[${i}].containerPort`, cp, 'must be between 1 and 65535, inclusive'));
    if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(String(p.protocol)))
      errs.push(fieldErr.notSupported(`${path}.ports[${i}].protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
  });
  const env = Array.isArray(c.env) ? (c.env as Array<Record<string, unknown>>) : [];
  env.forEach((e, i) => {
    if (typeof e.name !== 'string' || !e.name) errs.push(fieldErr.required(`${path}.env[${i}].name`));
    else if (!ENV_NAME.test(e.name)) errs.push(fieldErr.invalid(`${path}.env[${i}].name`, e.name, MSG.envName));
  });
  const res = isPlainObject(c.resources) ? c.resources : {};
  const limits = isPlainObject(res.limits) ? res.limits : {};
  const requests = isPlainObject(res.requests) ? res.requests : {};
  for (const [k, v] of Object.entries(limits)) {
    const lq = q(v);
    if (lq && lq.nano < 0n) errs.push(fieldErr.invalid(`${path}.resources.limits[${k}]`, v, 'must be greater than or equal to 0'));
    if (lq && isExtendedResource(k) && lq.nano % 1_000_000_000n !== 0n)
      errs.push(fieldErr.invalid(`${path}.resources.limits[${k}]`, v, 'must be an integer'));
  }
  for (const [k, v] of Object.entries(requests)) {
    const rq = q(v);
    if (!rq) continue;
    if (rq.nano < 0n) errs.push(fieldErr.invalid(`${path}.resources.requests[${k}]`, v, 'must be greater than or equal to 0'));
    const lq = q(limits[k]);
    if (isExtendedResource(k)) {
      if (rq.nano % 1_000_000_000n !== 0n) errs.push(fieldErr.invalid(`${path}.resources.requests[${k}]`, v, 'must be an integer'));
      if (!lq) errs.push(fieldErr.required(`${path}.resources.limits`, 'Limit must be set for non overcommitable resources'));
      else if (lq.nano !== rq.nano) errs.push(fieldErr.invalid(`${path}.resources.requests[${k}]`, v, `must be equal to ${k} limit of ${String(limits[k])}`));
    } else if (lq && rq.nano > lq.nano) {
      errs.push(fieldErr.invalid(`${path}.resources.requests`, v, `must be less than or equal to ${k} limit of ${String(limits[k])}`));
    }
  }
}

/** Validates a PodSpec at `path` (pods and pod templates). */
export function validatePodSpec(spec: unknown, path: string, errs: FieldError[], opts: { template?: 'deployment' }) {
  if (!isPlainObject(spec)) {
    errs.push(fieldErr.required(`${path}.containers`));
    return;
  }
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) errs.push(fieldErr.required(`${path}.containers`));
  const names = new Set<string>();
  if (Array.isArray(containers))
    containers.forEach((c, i) => validateContainer(isPlainObject(c) ? c : {}, `${path}.containers[${i}]`, errs, names));
  if (Array.isArray(spec.initContainers))
    spec.initContainers.forEach((c, i) => validateContainer(isPlainObject(c) ? c : {}, `${path}.initContainers[${i}]`, errs, names));
  const rp = spec.restartPolicy;
  if (opts.template === 'deployment') {
    if (rp !== undefined && rp !== 'Always') errs.push(fieldErr.notSupported(`${path}.restartPolicy`, rp, ['Always']));
  } else if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(rp))) {
    errs.push(fieldErr.notSupported(`${path}.restartPolicy`, rp, ['Always', 'Never', 'OnFailure']));
  }
  validateLabels(spec.nodeSelector, `${path}.nodeSelector`, errs);
  const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as Array<Record<string, unknown>>) : [];
  tolerations.forEach((tol, i) => {
    const p = `${path}.tolerations[${i}]`;
    const op = tol.operator ?? 'Equal';
    if (op !== 'Equal' && op !== 'Exists') errs.push(fieldErr.notSupported(`${p}.operator`, op, ['Equal', 'Exists']));
    if (op === 'Exists' && tol.value) errs.push(fieldErr.invalid(`${p}.operator`, tol.operator, "value must be empty when `operator` is 'Exists'"));
    if (!tol.key && op !== 'Exists') errs.push(fieldErr.invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (tol.key) for (const m of qualifiedNameErrors(String(tol.key))) errs.push(fieldErr.invalid(`${p}.key`, tol.key, m));
    if (tol.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(String(tol.effect)))
      errs.push(fieldErr.notSupported(`${p}.effect`, tol.effect, ['NoExecute', 'NoSchedule', 'PreferNoSchedule']));
    if (tol.tolerationSeconds !== undefined && tol.effect !== 'NoExecute')
      errs.push(fieldErr.invalid(`${p}.effect`, tol.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  });
  const volumes = Array.isArray(spec.volumes) ? (spec.volumes as Array<Record<string, unknown>>) : [];
  const vnames = new Set<string>();
  volumes.forEach((v, i) => {
    if (typeof v.name !== 'string' || !v.name) errs.push(fieldErr.required(`${path}.volumes[${i}].name`));
    else if (vnames.has(v.name)) errs.push(fieldErr.duplicate(`${path}.volumes[${i}].name`, v.name));
    else vnames.add(v.name);
  });
  const reqTerms = (spec.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown[] } } } | undefined)
    ?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (reqTerms && (!Array.isArray(reqTerms.nodeSelectorTerms) || reqTerms.nodeSelectorTerms.length === 0))
    errs.push(fieldErr.required(`${path}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`, 'must have at least one node selector term'));
}

function renderSelector(sel: unknown): string {
  const s = (isPlainObject(sel) ? sel : {}) as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  const ml = s.matchLabels
    ? `map[string]string{${Object.entries(s.matchLabels).sort().map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`
    : 'map[string]string(nil)';
  const me = s.matchExpressions ? `[]v1.LabelSelectorRequirement{...}` : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}

function intOrPercent(v: unknown, field: string, errs: FieldError[], opts: { max100?: boolean } = {}) {
  if (v === undefined || v === null) return;
  if (typeof v === 'number') {
    if (v < 0 || !Number.isInteger(v)) errs.push(fieldErr.invalid(field, v, 'must be greater than or equal to 0'));
  } else if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (!m) errs.push(fieldErr.invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
    else if (opts.max100 !== false && Number(m[1]) > 100) errs.push(fieldErr.invalid(field, v, 'must not be greater than 100%'));
  } else {
    errs.push(fieldErr.invalid(field, v, 'must be an integer or percentage'));
  }
}

function validateWorkload(obj: KubeObject, errs: FieldError[], kind: 'Deployment' | 'ReplicaSet') {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  if (spec.replicas !== undefined && (typeof spec.replicas !== 'number' || spec.replicas < 0))
    errs.push(fieldErr.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  const sel = spec.selector;
  const template = isPlainObject(spec.template) ? spec.template : undefined;
  if (!sel) errs.push(fieldErr.required('spec.selector'));
  else {
    const reqs = fromLabelSelectorObject(sel) ?? [];
    if (reqs.length === 0) errs.push(fieldErr.invalid('spec.selector', renderSelector(sel), `empty selector is invalid for ${kind === 'Deployment' ? 'deployment' : 'replicaset'}`));
    validateLabels((sel as { matchLabels?: unknown }).matchLabels, 'spec.selector.matchLabels', errs);
    const labels = (template?.metadata as { labels?: Record<string, string> } | undefined)?.labels;
    if (template && reqs.length > 0 && !matchesLabels(reqs, labels))
      errs.push(fieldErr.invalid('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
  }
  if (!template) {
    errs.push(fieldErr.required('spec.template.spec.containers'));
    return;
  }
  validateLabels((template.metadata as { labels?: unknown } | undefined)?.labels, 'spec.template.metadata.labels', errs);
  validatePodSpec(template.spec, 'spec.template.spec', errs, { template: 'deployment' });
  if (kind === 'Deployment') {
    const strategy = isPlainObject(spec.strategy) ? spec.strategy : {};
    const type = strategy.type ?? 'RollingUpdate';
    if (type !== 'RollingUpdate' && type !== 'Recreate') errs.push(fieldErr.notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate']));
    const ru = isPlainObject(strategy.rollingUpdate) ? strategy.rollingUpdate : undefined;
    if (type === 'Recreate' && ru) errs.push(fieldErr.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    if (ru) {
      intOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', errs);
      intOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', errs, { max100: false });
      const isZero = (v: unknown) => v === 0 || v === '0%';
      if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge))
        errs.push(fieldErr.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
    const pds = spec.progressDeadlineSeconds;
    if (pds !== undefined && (typeof pds !== 'number' || pds <= 0)) errs.push(fieldErr.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than 0'));
    if (typeof pds === 'number' && typeof spec.minReadySeconds === 'number' && pds <= spec.minReadySeconds)
      errs.push(fieldErr.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  if (spec.minReadySeconds !== undefined && (typeof spec.minReadySeconds !== 'number' || spec.minReadySeconds < 0))
    errs.push(fieldErr.invalid('spec.minReadySeconds', spec.minReadySeconds, 'must be greater than or equal to 0'));
}

function validateService(obj: KubeObject, errs: FieldError[]) {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const type = spec.type ?? 'ClusterIP';
  if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(String(type)))
    errs.push(fieldErr.notSupported('spec.type', type, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']));
  const ports = Array.isArray(spec.ports) ? (spec.ports as Array<Record<string, unknown>>) : [];
  if (type !== 'ExternalName' && ports.length === 0 && spec.clusterIP !== 'None') errs.push(fieldErr.required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    if (ports.length > 1 && !p.name) errs.push(fieldErr.required(`spec.ports[${i}].name`));
    if (typeof p.name === 'string' && p.name) {
      if (names.has(p.name)) errs.push(fieldErr.duplicate(`spec.ports[${i}].name`, p.name));
      names.add(p.name);
      for (const m of nameErrors('label', p.name)) errs.push(fieldErr.invalid(`spec.ports[${i}].name`, p.name, m));
    }
    if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535)
      errs.push(fieldErr.invalid(`spec.ports[${i}].port`, p.port ?? 0, 'must be between 1 and 65535, inclusive'));
    if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(String(p.protocol)))
      errs.push(fieldErr.notSupported(`spec.ports[${i}].protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
  });
  validateLabels(spec.selector, 'spec.selector', errs);
}

function validateDataKeys(obj: KubeObject, errs: FieldError[]) {
  let size = 0;
  for (const field of ['data', 'binaryData', 'stringData']) {
    const data = obj[field];
    if (data === undefined || data === null) continue;
    if (!isPlainObject(data)) {
      errs.push(fieldErr.invalid(field, data, 'must be a map'));
      continue;
    }
    for (const [k, v] of Object.entries(data)) {
      if (!CONFIG_KEY.test(k)) errs.push(fieldErr.invalid(`${field}[${k}]`, k, MSG.configKey));
      if (k.length > 253) errs.push(fieldErr.invalid(`${field}[${k}]`, k, 'must be no more than 253 characters'));
      size += k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
    }
  }
  if (size > 1048576) errs.push(fieldErr.tooLong(obj.kind === 'Secret' ? 'data' : '', 1048576));
}

const QUOTA_STANDARD = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps',
  'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers', 'cpu', 'memory', 'ephemeral-storage',
  'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory',
  'limits.ephemeral-storage']);

function validateResourceQuota(obj: KubeObject, errs: FieldError[]) {
  const hard = isPlainObject(obj.spec?.hard) ? (obj.spec.hard as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(hard)) {
    const standard = QUOTA_STANDARD.has(k) || k.startsWith('count/') || k.startsWith('requests.') || k.startsWith('hugepages-');
    if (!standard) errs.push(fieldErr.invalid(`spec.hard[${k}]`, k, 'must be a standard resource for quota'));
    const quantity = q(v);
    if (quantity && quantity.nano < 0n) errs.push(fieldErr.invalid(`spec.hard[${k}]`, v, 'must be greater than or equal to 0'));
    if (quantity && k.startsWith('requests.') && isExtendedResource(k.slice('requests.'.length)) && quantity.nano % 1_000_000_000n !== 0n)
      errs.push(fieldErr.invalid(`spec.hard[${k}]`, v, 'must be an integer'));
  }
}

function validateLimitRange(obj: KubeObject, errs: FieldError[]) {
  const limits = Array.isArray(obj.spec?.limits) ? (obj.spec.limits as Array<Record<string, unknown>>) : [];
  limits.forEach((l, i) => {
    if (!l.type) errs.push(fieldErr.required(`spec.limits[${i}].type`));
    else if (!['Pod', 'Container', 'PersistentVolumeClaim'].includes(String(l.type)))
      errs.push(fieldErr.notSupported(`spec.limits[${i}].type`, l.type, ['Container', 'PersistentVolumeClaim', 'Pod']));
    const max = isPlainObject(l.max) ? l.max : {};
    const min = isPlainObject(l.min) ? l.min : {};
    for (const [k, v] of Object.entries(min)) {
      const mx = q(max[k]);
      const mn = q(v);
      if (mx && mn && mn.nano > mx.nano)
        errs.push(fieldErr.invalid(`spec.limits[${i}].min[${k}]`, v, `min value ${String(v)} is greater than max value ${String(max[k])}`));
    }
  });
}

function validateLease(obj: KubeObject, errs: FieldError[]) {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  if (spec.leaseDurationSeconds !== undefined && (typeof spec.leaseDurationSeconds !== 'number' || spec.leaseDurationSeconds <= 0))
    errs.push(fieldErr.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  if (spec.leaseTransitions !== undefined && (typeof spec.leaseTransitions !== 'number' || spec.leaseTransitions < 0))
    errs.push(fieldErr.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
}

function validatePdb(obj: KubeObject, errs: FieldError[]) {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
    errs.push(fieldErr.invalid('spec', 'policy.PodDisruptionBudgetSpec{...}', 'minAvailable and maxUnavailable cannot be both set'));
  intOrPercent(spec.minAvailable, 'spec.minAvailable', errs);
  intOrPercent(spec.maxUnavailable, 'spec.maxUnavailable', errs);
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow')
    errs.push(fieldErr.notSupported('spec.unhealthyPodEvictionPolicy', policy, ['AlwaysAllow', 'IfHealthyBudget']));
}

function validateNode(obj: KubeObject, errs: FieldError[]) {
  const taints = Array.isArray(obj.spec?.taints) ? (obj.spec.taints as Array<Record<string, unknown>>) : [];
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    if (!t.key) errs.push(fieldErr.required(`spec.taints[${i}].key`));
    else for (const m of qualifiedNameErrors(String(t.key))) errs.push(fieldErr.invalid(`spec.taints[${i}].key`, t.key, m));
    if (t.value) for (const m of labelValueErrors(String(t.value))) errs.push(fieldErr.invalid(`spec.taints[${i}].value`, t.value, m));
    if (!t.effect) errs.push(fieldErr.required(`spec.taints[${i}].effect`));
    else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(String(t.effect)))
      errs.push(fieldErr.notSupported(`spec.taints[${i}].effect`, t.effect, ['NoExecute', 'NoSchedule', 'PreferNoSchedule']));
    const id = `${String(t.key)}:${String(t.effect)}`;
    if (seen.has(id)) errs.push(fieldErr.duplicate(`spec.taints[${i}]`, `${String(t.key)}=${String(t.value ?? '')}:${String(t.effect)}`));
    seen.add(id);
  });
}

function validateHttpRoute(obj: KubeObject, errs: FieldError[]) {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const parentRefs = Array.isArray(spec.parentRefs) ? (spec.parentRefs as Array<Record<string, unknown>>) : [];
  parentRefs.forEach((p, i) => {
    if (!p.name) errs.push(fieldErr.required(`spec.parentRefs[${i}].name`));
  });
  if (parentRefs.length > 32) errs.push({ type: 'FieldValueTooMany', field: 'spec.parentRefs', message: `Too many: ${parentRefs.length}: must have at most 32 items` });
  const hostnames = Array.isArray(spec.hostnames) ? spec.hostnames : [];
  hostnames.forEach((h, i) => {
    if (typeof h !== 'string' || !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(h))
      errs.push(fieldErr.invalid(`spec.hostnames[${i}]`, h, "spec.hostnames[" + i + "] in body should match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'"));
  });
  const rules = Array.isArray(spec.rules) ? (spec.rules as Array<Record<string, unknown>>) : [];
  if (rules.length > 16) errs.push({ type: 'FieldValueTooMany', field: 'spec.rules', message: `Too many: ${rules.length}: must have at most 16 items` });
  rules.forEach((r, i) => {
    const refs = Array.isArray(r.backendRefs) ? (r.backendRefs as Array<Record<string, unknown>>) : [];
    refs.forEach((b, j) => {
      if (!b.name) errs.push(fieldErr.required(`spec.rules[${i}].backendRefs[${j}].name`));
      if ((b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '' && b.port === undefined)
        errs.push(fieldErr.invalid(`spec.rules[${i}].backendRefs[${j}]`, 'object', 'Must have port for Service reference'));
      if (b.weight !== undefined && (typeof b.weight !== 'number' || b.weight < 0 || b.weight > 1000000))
        errs.push(fieldErr.invalid(`spec.rules[${i}].backendRefs[${j}].weight`, b.weight, `spec.rules[${i}].backendRefs[${j}].weight in body should be less than or equal to 1000000`));
    });
  });
}

/** Field errors of an object about to be stored (create or update). */
export function validateObject(t: ResourceType, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  validateMeta(t, obj, errs);
  switch (t.kind) {
    case 'Pod':
      validatePodSpec(obj.spec, 'spec', errs, {});
      break;
    case 'Deployment':
      validateWorkload(obj, errs, 'Deployment');
      break;
    case 'ReplicaSet':
      validateWorkload(obj, errs, 'ReplicaSet');
      break;
    case 'Service':
      validateService(obj, errs);
      break;
    case 'ConfigMap':
    case 'Secret':
      validateDataKeys(obj, errs);
      break;
    case 'ResourceQuota':
      validateResourceQuota(obj, errs);
      break;
    case 'LimitRange':
      validateLimitRange(obj, errs);
      break;
    case 'Lease':
      validateLease(obj, errs);
      break;
    case 'PodDisruptionBudget':
      validatePdb(obj, errs);
      break;
    case 'Node':
      validateNode(obj, errs);
      break;
    case 'HTTPRoute':
      validateHttpRoute(obj, errs);
      break;
  }
  return errs;
}

const POD_MUTABLE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Extra field errors of an update (immutable fields). */
export function validateUpdate(t: ResourceType, oldObj: KubeObject, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  switch (t.kind) {
    case 'Deployment':
    case 'ReplicaSet':
      if (!deepEqual(oldObj.spec?.selector, obj.spec?.selector))
        errs.push(fieldErr.invalid('spec.selector', renderSelector(obj.spec?.selector), 'field is immutable'));
      break;
    case 'Pod': {
      const strip = (s: Record<string, unknown> | undefined) => {
        const c = { ...(s ?? {}) } as Record<string, unknown>;
        for (const k of ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds', 'nodeName']) delete c[k];
        for (const k of ['containers', 'initContainers']) {
          if (Array.isArray(c[k])) c[k] = (c[k] as Array<Record<string, unknown>>).map((x) => ({ ...x, image: undefined }));
        }
        return c;
      };
      if (!deepEqual(strip(oldObj.spec), strip(obj.spec))) errs.push(fieldErr.forbidden('spec', POD_MUTABLE_MESSAGE));
      const oldTol = (oldObj.spec?.tolerations ?? []) as unknown[];
      const newTol = (obj.spec?.tolerations ?? []) as unknown[];
      if (!oldTol.every((o) => newTol.some((n) => deepEqual(n, o))))
        errs.push(fieldErr.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      if (oldObj.spec?.nodeName && oldObj.spec.nodeName !== obj.spec?.nodeName) errs.push(fieldErr.forbidden('spec', POD_MUTABLE_MESSAGE));
      break;
    }
    case 'Service':
      if (oldObj.spec?.clusterIP && obj.spec?.clusterIP !== oldObj.spec.clusterIP)
        errs.push(fieldErr.invalid('spec.clusterIPs[0]', obj.spec?.clusterIP ?? '', 'may not change once set'));
      break;
    case 'ConfigMap':
    case 'Secret':
      if (oldObj.immutable === true) {
        if (!deepEqual(oldObj.data, obj.data) || !deepEqual(oldObj.binaryData, obj.binaryData))
          errs.push(fieldErr.forbidden('data', 'field is immutable when `immutable` is set'));
        if (obj.immutable !== true) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
      }
      if (t.kind === 'Secret' && (oldObj.type ?? 'Opaque') !== (obj.type ?? 'Opaque'))
        errs.push(fieldErr.invalid('type', obj.type, 'field is immutable'));
      break;
  }
  return errs;
}
