import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../db/client';
import { migrate } from '../../db/migrate';

/**
 * Migrates one database per test run; every test file then starts from a copy of it:
 * a PGlite data-directory snapshot, or CREATE DATABASE … TEMPLATE on a PostgreSQL server.
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const template = `leitstand_tpl_${crypto.randomBytes(4).toString('hex')}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${template}`);
    const handle = await openDatabase({ url: withDatabase(serverUrl, template), poolSize: 1 });
    await migrate(handle.db);
    await handle.close();
    project.provide('testDatabase', { kind: 'postgres', url: serverUrl, template });
    return async () => {
      const stale = await admin<{ datname: string }[]>`
        select datname from pg_database where datname like ${`leitstand_t_${template.slice(-8)}_%`} or datname = ${template}`;
      for (const { datname } of stale) await admin.unsafe(`drop database if exists ${datname} with (force)`);
      await admin.end();
    };
  }
  const pg = await PGlite.create();
  const handle = await openDatabase({ pglite: pg });
  await migrate(handle.db);
  const dump = await pg.dumpDataDir('none');
  const file = path.join(os.tmpdir(), `leitstand-test-${process.pid}-${Date.now()}.tar`);
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await pg.close();
  project.provide('testDatabase', { kind: 'pglite', snapshot: file });
  return () => fs.rmSync(file, { force: true });
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase:
      | { kind: 'postgres'; url: string; template: string }
      | { kind: 'pglite'; snapshot: string };
  }
}
