import { describe, expect, it } from 'vitest';
import { describeDrift, findDrift } from '../../../../server/kube/controller/drift';
import type { KubeObject } from '../../../../server/kube/resources';

const desired: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'm', namespace: 'ns', labels: { app: 'm', 'app.kubernetes.io/managed-by': 'leitstand' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'm' } },
    template: {
      metadata: { labels: { app: 'm' } },
      spec: { containers: [{ name: 'server', image: 'vllm:1', ports: [{ name: 'http', containerPort: 8000 }] }] },
    },
  },
};

function live(patch: (o: KubeObject) => void): KubeObject {
  const o = structuredClone(desired) as KubeObject;
  o.metadata.resourceVersion = '7';
  o.status = { readyReplicas: 2 };
  patch(o);
  return o;
}

describe('findDrift', () => {
  it('finds nothing when the live object only adds fields Leitstand does not set', () => {
    const l = live((o) => {
      (o.spec as Record<string, unknown>).strategy = { type: 'RollingUpdate' };
      o.metadata.labels!.extra = 'x';
      const c = (o.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers;
      c.push({ name: 'sidecar', image: 'proxy' });
      c[0]!.imagePullPolicy = 'IfNotPresent';
    });
    expect(findDrift(desired, l)).toEqual([]);
  });

  it('reports a changed managed scalar with the manager that changed it', () => {
    const l = live((o) => {
      (o.spec as { replicas: number }).replicas = 5;
      o.metadata.managedFields = [
        { manager: 'leitstand', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:selector': {} } } },
        { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      ];
    });
    const drift = findDrift(desired, l);
    expect(drift).toEqual([{ path: 'spec.replicas', desired: 2, live: 5, changedBy: ['kubectl-edit'] }]);
    expect(describeDrift(drift)).toBe('spec.replicas: want 2, found 5 (changed by kubectl-edit)');
  });

  it('matches containers by name, not position, and names the manager through k: keys', () => {
    const l = live((o) => {
      const c = (o.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers;
      c.unshift({ name: 'injected', image: 'x' });
      c[1]!.image = 'vllm:evil';
      o.metadata.managedFields = [
        {
          manager: 'mallory',
          fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"server"}': { 'f:image': {} } } } } } },
        },
      ];
    });
    expect(findDrift(desired, l)).toEqual([
      { path: 'spec.template.spec.containers[name=server].image', desired: 'vllm:1', live: 'vllm:evil', changedBy: ['mallory'] },
    ]);
  });

  it('reports a removed label and a removed container', () => {
    const l = live((o) => {
      delete o.metadata.labels!.app;
      (o.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers = [];
    });
    const paths = findDrift(desired, l).map((d) => d.path);
    expect(paths).toEqual(['metadata.labels.app', 'spec.template.spec.containers[name=server]']);
  });

  it('treats an int-or-string that came back in the other form as equal', () => {
    const d = { ...desired, spec: { ports: [{ port: 80, targetPort: 8080 }] } } as KubeObject;
    const l = { ...d, spec: { ports: [{ port: 80, targetPort: '8080' }] } } as KubeObject;
    expect(findDrift(d, l)).toEqual([]);
  });

  it('compares scalar lists as a whole (args order matters)', () => {
    const d = { ...desired, spec: { args: ['--a', '--b'] } } as KubeObject;
    const l = { ...d, spec: { args: ['--b', '--a'] } } as KubeObject;
    expect(findDrift(d, l).map((x) => x.path)).toEqual(['spec.args']);
  });

  it('ignores status and server-set metadata', () => {
    const l = live((o) => {
      o.status = { replicas: 0 };
      o.metadata.uid = 'u';
      o.metadata.generation = 9;
    });
    expect(findDrift(desired, l)).toEqual([]);
  });

  it('quotes keys that are not identifiers (label keys with slashes and dots)', () => {
    const l = live((o) => {
      o.metadata.labels!['app.kubernetes.io/managed-by'] = 'helm';
    });
    expect(findDrift(desired, l)[0]!.path).toBe('metadata.labels["app.kubernetes.io/managed-by"]');
  });
});
