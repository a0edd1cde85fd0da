import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, deployment, startHarness, type Wire } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});

describe('discovery', () => {
  it('serves /version', async () => {
    const v = await h.kc.makeApiClient(k8s.VersionApi).getCode();
    expect(v).toMatchObject({ major: '1', minor: '31', gitVersion: 'v1.31.4', platform: 'linux/amd64' });
  });

  it('lists the API groups with preferred versions', async () => {
    const groups = await h.kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    const names = groups.groups.map((g) => g.name).sort();
    expect(names).toEqual(['apps', 'coordination.k8s.io', 'gateway.networking.k8s.io', 'policy']);
    expect(groups.groups.find((g) => g.name === 'apps')!.preferredVersion).toEqual({ groupVersion: 'apps/v1', version: 'v1' });
    const core = await h.kc.makeApiClient(k8s.CoreApi).getAPIVersions();
    expect(core.versions).toEqual(['v1']);
  });

  it('describes resources, subresources, verbs and short names', async () => {
    const core = await h.core.getAPIResources();
    const pods = core.resources.find((r) => r.name === 'pods')!;
    expect(pods).toMatchObject({ kind: 'Pod', namespaced: true, singularName: 'pod', shortNames: ['po'] });
    expect(pods.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch', 'deletecollection']));
    expect(core.resources.find((r) => r.name === 'pods/eviction')).toMatchObject({ group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
    expect(core.resources.find((r) => r.name === 'nodes')!.namespaced).toBe(false);
    const apps = await h.apps.getAPIResources();
    expect(apps.groupVersion).toBe('apps/v1');
    expect(apps.resources.find((r) => r.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const res = await h.raw('GET', '/apis/gateway.networking.k8s.io/v1');
    expect(res.body.resources.find((r: Wire) => r.name === 'httproutes')).toMatchObject({ kind: 'HTTPRoute', namespaced: true });
    expect((await h.raw('GET', '/apis/example.com/v1')).status).toBe(404);
    expect((await h.raw('GET', '/apis/apps/v1/namespaces/default/widgets')).status).toBe(404);
  });

  it('lets the generic KubernetesObjectApi resolve kinds through discovery', async () => {
    const client = k8s.KubernetesObjectApi.makeApiClient(h.kc);
    await client.create({ ...deployment('generic'), metadata: { name: 'generic', namespace: 'default' } } as k8s.KubernetesObject);
    const read = await client.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'generic', namespace: 'default' } });
    expect(read.metadata?.uid).toBeTruthy();
    const routes = await client.list('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default');
    expect(routes.items).toEqual([]);
  });

  it('answers health endpoints', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const res = await h.raw('GET', p);
      expect(res.status).toBe(200);
      expect(res.body).toBe('ok');
    }
  });
});
