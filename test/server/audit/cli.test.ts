import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../../db/client';
import { migrate } from '../../../db/migrate';
import { seedAuditEvents } from '../../support/audit-seed';
import { createTestDatabase, type TestDatabase } from '../../support/database';

const run = promisify(execFile);

/** Runs the real CLI in a child process; resolves to its exit code and output. */
async function cli(env: Record<string, string>, args: string[] = []) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'server/audit/cli.ts', ...args], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run audit:verify on the embedded database', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leitstand-audit-cli-'));
  const env = { LEITSTAND_DATA_DIR: dataDir };

  beforeAll(async () => {
    const handle = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    await migrate(handle.db);
    await seedAuditEvents(handle.db, 1000);
    await handle.close();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  let head = '';
  it('reports an intact chain, its head, and progress, with exit code 0', async () => {
    const result = await cli(env, ['--json', '--batch-size', '400']);
    expect(result.stderr).toContain('1000/1000 events (100%)');
    const report = JSON.parse(result.stdout) as { ok: boolean; checked: number; head: { id: number; hash: string } };
    expect(report).toMatchObject({ ok: true, checked: 1000, head: { id: 1000 } });
    head = `${report.head.id}:${report.head.hash}`;
    expect(result.code).toBe(0);
  });

  it('names the first broken event with exit code 1', async () => {
    const pg = await PGlite.create({ dataDir: path.join(dataDir, 'pglite') });
    // Tampering as the database owner, behind the append-only trigger.
    await pg.exec(
      'set session_replication_role = replica; delete from audit_events where id = 999; set session_replication_role = origin',
    );
    await pg.close();
    const result = await cli(env, ['--anchor', head]);
    expect(result.stdout).toMatch(/^BROKEN at event 1000: event 999 is missing/);
    expect(result.stdout).toMatch(/998 events before it are intact/);
    expect(result.code).toBe(1);
  });

  it('refuses a malformed anchor and a missing database with exit code 2', async () => {
    expect((await cli(env, ['--anchor', 'nope'])).code).toBe(2);
    const nowhere = await cli({ LEITSTAND_DATA_DIR: path.join(dataDir, 'absent') });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/No database/);
  });
});

// Registered only when the suite runs against a PostgreSQL server (TEST_DATABASE_URL).
if (inject('testDatabase').kind === 'postgres') {
  describe('npm run audit:verify on a PostgreSQL server', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
      await seedAuditEvents(database.db, 50);
    });
    afterAll(() => database.close());

    it('verifies through DATABASE_URL', async () => {
      const result = await cli({ DATABASE_URL: database.url! });
      expect(result.stdout).toMatch(/^OK: 50 events verified/);
      expect(result.stdout).toMatch(/^head 50:[0-9a-f]{64}/m);
      expect(result.code).toBe(0);
    });
  });
}
