import os from 'node:os';
import { type Database, getDb } from '../../db/client';
import type { Config } from '../config';
import { log } from '../core/log';
import { peekSingleton, setSingleton } from '../core/singleton';
import { stopClusterCache } from './cache';
import { KubeClient, type KubeClientOptions } from './client';
import { type ConnectOptions, type KubeConnection, connectKube, ownNamespace } from './connection';
import { DesiredObjectsController } from './controller/desired-controller';
import { LeaderElector } from './leader';
import { startLeaderControllers, stopLeaderControllers } from './leader-controllers';

/** The name of the Lease the replicas compete for. */
export const CONTROLLER_LEASE = 'leitstand-controllers';

export interface KubeRuntime {
  connection: KubeConnection;
  client: KubeClient;
  elector: LeaderElector;
  identity: string;
  leaseNamespace: string;
  /** The running controller while this replica leads. */
  controller: DesiredObjectsController | undefined;
  startedAt: Date;
}

export interface StartKubeOverrides {
  db?: Database;
  connect?: Partial<ConnectOptions>;
  /** A connection opened ahead (see connectKubeEarly); used instead of connecting here. */
  connection?: Promise<KubeConnection>;
  client?: KubeClientOptions;
  leaseDurationMs?: number;
  renewIntervalMs?: number;
  retryIntervalMs?: number;
  resyncMs?: number;
  pollMs?: number;
  workers?: number;
  leaseNamespace?: string;
}

/** This replica's identity in leader election: config.instanceId, else hostname + pid. */
export function instanceIdentity(config: Pick<Config, 'instanceId'>): string {
  return config.instanceId ?? `${os.hostname()}-${process.pid}`;
}

/**
 * Connects to the cluster (or starts the simulated one), and starts leader election; the
 * replica that holds the Lease runs the controllers and stops them when it loses it.
 */
export async function startKube(
  config: Pick<Config, 'kube' | 'instanceId'>,
  overrides: StartKubeOverrides = {},
): Promise<KubeRuntime> {
  const existing = peekSingleton<KubeRuntime>('kube-runtime');
  if (existing) return existing;
  const connection = await (overrides.connection ??
    connectKube({
      kubeconfig: config.kube.kubeconfig,
      simTopology: config.kube.simTopology,
      ...overrides.connect,
    }));
  const client = new KubeClient(connection.kubeConfig, overrides.client);
  const db = overrides.db ?? getDb();
  const identity = instanceIdentity(config);
  const leaseNamespace = overrides.leaseNamespace ?? ownNamespace();
  const runtime: KubeRuntime = {
    connection,
    client,
    identity,
    leaseNamespace,
    controller: undefined,
    startedAt: new Date(),
    elector: new LeaderElector({
      client,
      namespace: leaseNamespace,
      name: CONTROLLER_LEASE,
      identity,
      leaseDurationMs: overrides.leaseDurationMs,
      renewIntervalMs: overrides.renewIntervalMs,
      retryIntervalMs: overrides.retryIntervalMs,
      onStartedLeading: async () => {
        log.info({ identity }, 'leading: starting controllers');
        const controller = new DesiredObjectsController({
          client,
          db,
          instanceId: identity,
          resyncMs: overrides.resyncMs,
          pollMs: overrides.pollMs,
          workers: overrides.workers,
        });
        runtime.controller = controller;
        await controller.start();
        await startLeaderControllers({ client, instanceId: identity, db });
      },
      onStoppedLeading: async () => {
        log.info({ identity }, 'not leading: stopping controllers');
        const controller = runtime.controller;
        runtime.controller = undefined;
        await stopLeaderControllers();
        await controller?.stop();
      },
    }),
  };
  runtime.elector.start();
  setSingleton('kube-runtime', runtime);
  log.info({ source: connection.source, server: connection.server, identity }, 'kube connected');
  return runtime;
}

/** Graceful shutdown: stops the controllers, releases the Lease, closes the connection. */
export async function stopKube(): Promise<void> {
  const runtime = peekSingleton<KubeRuntime>('kube-runtime');
  if (!runtime) return;
  setSingleton('kube-runtime', undefined);
  await stopClusterCache();
  await runtime.elector.stop({ release: true });
  runtime.client.close();
  await runtime.connection.close();
}

/** The running kube runtime, or undefined before startKube. */
export function getKubeRuntime(): KubeRuntime | undefined {
  return peekSingleton<KubeRuntime>('kube-runtime');
}

/** The process's Kubernetes client; throws when startKube has not run. */
export function getKubeClient(): KubeClient {
  const runtime = getKubeRuntime();
  if (!runtime) throw new Error('The Kubernetes connection is not started (startKube).');
  return runtime.client;
}

/** True when Leitstand is talking to its simulated cluster. */
export function isSimulated(): boolean {
  return getKubeRuntime()?.connection.simulated ?? false;
}
