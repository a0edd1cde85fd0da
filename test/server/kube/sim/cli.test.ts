import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

describe('cli', () => {
  it('runs the simulated cluster as its own process and writes a kubeconfig', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leitstand-sim-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/kube/sim/cli.ts', '--port', '0', '--kubeconfig-out', kubeconfig, '--pod-ready-delay-ms', '10'], {
      cwd: path.resolve(import.meta.dirname, '../../../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
        setTimeout(() => reject(new Error('no "listening" line within 20 s')), 20_000);
      });
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kubeconfig);
      expect(kc.getCurrentCluster()?.server).toBe(url);
      expect(kc.getCurrentContext()).toBe('leitstand-sim');
      const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
      expect(nodes.items).toHaveLength(7);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
