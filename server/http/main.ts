import '../config/node-env';
import { ConfigError, getConfig } from '../config';
import { log } from '../core/log';
import { lifecycles } from './lifecycles';
import { startServer } from './server';

/** The Node entry: bundled to build/server.js by `npm run build`; `node --import tsx server/http/main.ts` in development. */
async function main() {
  let config;
  try {
    config = getConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  log.level = config.logLevel;
  const running = await startServer(config, lifecycles);
  const stop = (signal: string) => {
    log.info({ signal }, 'signal received');
    running.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  log.fatal({ err: error }, 'Leitstand failed to start');
  process.exit(1);
});
