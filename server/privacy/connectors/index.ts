import type { z } from 'zod';
import type { StoreKind } from '../../../db/schema/privacy';
import { PostgresConnector, pgCredentialsSchema, pgStoreConfigSchema } from './postgres';
import { RedisConnector, redisCredentialsSchema, redisStoreConfigSchema } from './redis';
import { postgresSqlClient, type SqlClient } from './sql-client';
import type { Connector } from './types';
import { WebhookConnector, webhookCredentialsSchema, webhookStoreConfigSchema } from './webhook';

export * from './types';
export { PostgresConnector, orderChildrenFirst, safeReason, type PgStoreConfig, type PgTableConfig } from './postgres';
export { RedisConnector, escapeGlob, type RedisStoreConfig } from './redis';
export { pgliteSqlClient, postgresSqlClient, type SqlClient } from './sql-client';
export {
  SIGNATURE_HEADER,
  WebhookConnector,
  signBody,
  verifyBodySignature,
  webhookCallbackSchema,
  type WebhookRequest,
  type WebhookStoreConfig,
} from './webhook';

/** The mapping schema and the credentials schema of each kind of store. */
export const storeSchemas = {
  postgres: { config: pgStoreConfigSchema, credentials: pgCredentialsSchema },
  pgvector: { config: pgStoreConfigSchema, credentials: pgCredentialsSchema },
  redis: { config: redisStoreConfigSchema, credentials: redisCredentialsSchema },
  webhook: { config: webhookStoreConfigSchema, credentials: webhookCredentialsSchema },
} satisfies Record<StoreKind, { config: z.ZodType; credentials: z.ZodType }>;

export interface OpenableStore {
  id: string;
  kind: StoreKind;
  config: unknown;
  credentials: unknown;
}

/**
 * A connector for a store (config and decrypted credentials). `sqlClient` replaces the
 * PostgreSQL pool for SQL stores (an in-process PGlite, as the pgvector tests use).
 */
export function openConnector(store: OpenableStore, options: { sqlClient?: SqlClient } = {}): Connector {
  switch (store.kind) {
    case 'postgres':
    case 'pgvector': {
      const config = pgStoreConfigSchema.parse(store.config);
      const client = options.sqlClient ?? postgresSqlClient(pgCredentialsSchema.parse(store.credentials).url);
      return new PostgresConnector(client, config);
    }
    case 'redis':
      return new RedisConnector(redisCredentialsSchema.parse(store.credentials).url, redisStoreConfigSchema.parse(store.config));
    case 'webhook':
      return new WebhookConnector(store.id, webhookStoreConfigSchema.parse(store.config), webhookCredentialsSchema.parse(store.credentials).secret);
  }
}
