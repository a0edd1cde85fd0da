import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectKube, ownNamespace } from '../../../server/kube/connection';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leitstand-kubeconfig-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function kubeconfig(server: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
users:
- name: u
  user:
    token: t
contexts:
- name: ctx
  context:
    cluster: c
    user: u
current-context: ctx
`;
}

describe('connectKube', () => {
  it('uses an explicit kubeconfig first', async () => {
    const file = path.join(dir, 'explicit.yaml');
    fs.writeFileSync(file, kubeconfig('https://explicit.example:6443'));
    const home = path.join(dir, 'home.yaml');
    fs.writeFileSync(home, kubeconfig('https://home.example:6443'));
    const c = await connectKube({ kubeconfig: file, defaultKubeconfig: home, inClusterRoot: path.join(dir, 'no-sa') });
    expect(c).toMatchObject({ source: 'kubeconfig', simulated: false, server: 'https://explicit.example:6443' });
  });

  it('refuses an explicit kubeconfig that does not exist instead of falling back', async () => {
    await expect(connectKube({ kubeconfig: path.join(dir, 'missing.yaml') })).rejects.toThrow(/does not exist/);
  });

  it('prefers the in-cluster service account over ~/.kube/config when its host is known', async () => {
    const root = path.join(dir, 'sa-root');
    const sa = path.join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    fs.mkdirSync(sa, { recursive: true });
    fs.writeFileSync(path.join(sa, 'token'), 'token');
    fs.writeFileSync(path.join(sa, 'ca.crt'), '');
    fs.writeFileSync(path.join(sa, 'namespace'), 'leitstand-system\n');
    const home = path.join(dir, 'home2.yaml');
    fs.writeFileSync(home, kubeconfig('https://home.example:6443'));
    // Without KUBERNETES_SERVICE_HOST (as here, outside a pod) the service account is unusable.
    const outside = await connectKube({ defaultKubeconfig: home, inClusterRoot: root });
    expect(outside.source).toBe('default-kubeconfig');
    expect(ownNamespace(sa)).toBe('leitstand-system');
  });

  it('falls back to the default kubeconfig', async () => {
    const home = path.join(dir, 'home3.yaml');
    fs.writeFileSync(home, kubeconfig('https://home.example:6443'));
    const c = await connectKube({ defaultKubeconfig: home, inClusterRoot: path.join(dir, 'none') });
    expect(c).toMatchObject({ source: 'default-kubeconfig', server: 'https://home.example:6443', simulated: false });
  });

  it('starts the simulated cluster when nothing is configured', async () => {
    const c = await connectKube({ defaultKubeconfig: path.join(dir, 'none.yaml'), inClusterRoot: path.join(dir, 'none') });
    try {
      expect(c.source).toBe('simulated');
      expect(c.simulated).toBe(true);
      expect(c.server).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(c.sim).toBeDefined();
    } finally {
      await c.close();
    }
  });

  it('reads "default" as its namespace outside a cluster', () => {
    expect(ownNamespace(path.join(dir, 'nowhere'))).toBe('default');
  });
});
