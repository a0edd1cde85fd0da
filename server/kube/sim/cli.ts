/**
 * Runs the simulated cluster as its own process:
 *   node --import tsx server/kube/sim/cli.ts [--port N] [--kubeconfig-out FILE] [--topology FILE]
 *     [--pod-ready-delay-ms N] [--seed N] [--host H]
 * Prints "listening <url>" once it serves; stops on SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startSimulatedCluster } from './index';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'kubeconfig-out': { type: 'string' },
    topology: { type: 'string' },
    'pod-ready-delay-ms': { type: 'string' },
    seed: { type: 'string' },
  },
  strict: true,
});

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${v}`);
    process.exit(2);
  }
  return n;
}

const sim = await startSimulatedCluster({
  port: int('port', values.port),
  host: values.host,
  topology: values.topology,
  podReadyDelayMs: int('pod-ready-delay-ms', values['pod-ready-delay-ms']),
  seed: int('seed', values.seed),
});
if (values['kubeconfig-out']) fs.writeFileSync(values['kubeconfig-out'], sim.kubeconfigYaml, { mode: 0o600 });
console.log(`listening ${sim.url}`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
