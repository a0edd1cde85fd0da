import crypto from 'node:crypto';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { inject } from 'vitest';
import { type DatabaseHandle, openDatabase, setDatabase } from '../../db/client';
import { withDatabase } from './global-setup';

export interface TestDatabase extends DatabaseHandle {
  /** A postgres:// URL for this database when it lives on a server (for child processes). */
  url: string | undefined;
  /** Runs raw SQL as the database owner (superuser on the test server; PGlite is one). */
  superuser(query: string): Promise<unknown>;
}

/**
 * A fresh database with the real migrations applied, made the process database.
 * Call once per test file (beforeAll) and close it in afterAll.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const provided = inject('testDatabase');
  if (provided.kind === 'postgres') {
    const name = `leitstand_t_${provided.template.slice(-8)}_${crypto.randomBytes(4).toString('hex')}`;
    const admin = postgres(provided.url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name} template ${provided.template}`);
    await admin.end();
    const url = withDatabase(provided.url, name);
    const handle = await openDatabase({ url, poolSize: 5 });
    const raw = postgres(url, { max: 1, onnotice: () => {} });
    const test: TestDatabase = {
      ...handle,
      url,
      superuser: (query) => raw.unsafe(query),
      close: async () => {
        await raw.end();
        await handle.close();
        const dropper = postgres(provided.url, { max: 1, onnotice: () => {} });
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
        await dropper.end();
      },
    };
    setDatabase(test);
    return test;
  }
  const blob = new Blob([fs.readFileSync(provided.snapshot)]);
  const pg = await PGlite.create({ loadDataDir: blob });
  const handle = await openDatabase({ pglite: pg });
  const test: TestDatabase = { ...handle, url: undefined, superuser: (query) => pg.exec(query) };
  setDatabase(test);
  return test;
}

/** Resolves to the messages of an error and its causes, joined (drizzle wraps driver errors). */
export async function rejectionText(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const parts: string[] = [];
    let current: unknown = error;
    while (current instanceof Error) {
      parts.push(current.message);
      current = current.cause;
    }
    return parts.join(' | ');
  }
  throw new Error('expected the promise to reject, but it resolved');
}
