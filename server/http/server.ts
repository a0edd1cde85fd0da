import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerBuild } from '@remix-run/node';
import { type DatabaseHandle, openDatabase, setDatabase } from '../../db/client';
import { migrate, pendingMigrations } from '../../db/migrate';
import type { Config } from '../config';
import { log } from '../core/log';
import { projectRoot } from '../core/paths';
import { createApp } from './app';

const root = projectRoot();

/** Hooks other contexts plug into start-up and shutdown (auth's admin bootstrap, kube). */
export interface Lifecycle {
  /**
   * Starts work that needs no database (connecting to the cluster) while the database opens
   * and migrates; start() runs after it finished. A failure surfaces in start().
   */
  prepare?(config: Config): Promise<void>;
  /** Runs after migrations, before the server listens. */
  start?(config: Config): Promise<void>;
  /** Runs after the server stopped accepting and in-flight requests finished. */
  stop?(): Promise<void>;
}

export interface RunningServer {
  url: string;
  database: DatabaseHandle;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), closes everything. */
  shutdown(): Promise<void>;
}

/** Opens the database, migrates, starts the lifecycles, and listens. */
export async function startServer(
  config: Config,
  lifecycles: Lifecycle[] = [],
  options: { database?: DatabaseHandle } = {},
): Promise<RunningServer> {
  const started = Date.now();
  // Load the application while the database opens: parsing the bundle is main-thread work
  // that fills PGlite's waits for its WebAssembly and data files. Its modules only define
  // things; nothing in them touches the database when imported.
  const buildPath = path.join(root, 'build/index.js');
  const buildLoading = import(pathToFileURL(buildPath).href) as Promise<ServerBuild>;
  buildLoading.catch(() => undefined); // awaited below; a failure surfaces there
  const prepared = lifecycles.map((lifecycle) => lifecycle.prepare?.(config));
  for (const work of prepared) work?.catch(() => undefined); // awaited before the lifecycle's start
  const database =
    options.database ??
    (await openDatabase({
      url: config.database.url,
      dataDir: config.database.url ? undefined : path.join(config.dataDir, 'pglite'),
      poolSize: config.database.poolSize,
    }));
  setDatabase(database);
  const migrated = await migrate(database.db);
  log.info({ database: database.description, applied: migrated.applied, total: migrated.total }, 'database ready');

  for (const [i, lifecycle] of lifecycles.entries()) {
    await prepared[i];
    await lifecycle.start?.(config);
  }

  const build = await buildLoading;
  let accepting = true;
  const app = createApp({
    build,
    config,
    publicDir: path.join(root, 'public'),
    ready: async () => {
      if (!accepting) return 'shutting down';
      const pending = await pendingMigrations(database.db);
      return pending > 0 ? `${pending} migration(s) not applied` : null;
    },
  });

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  log.info({ url, ms: Date.now() - started }, 'Leitstand is listening');

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      accepting = false;
      log.info('shutting down: no new connections, finishing in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timeout = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutSeconds * 1000);
      await closed;
      clearTimeout(timeout);
      for (const lifecycle of [...lifecycles].reverse()) {
        await lifecycle.stop?.().catch((error: unknown) => log.error({ err: error }, 'shutdown step failed'));
      }
      await database.close();
      log.info('stopped');
    })());
  return { url, database, shutdown };
}
