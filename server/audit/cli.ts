/**
 * `npm run audit:verify [-- --json] [--anchor <id>:<hash>] [--batch-size <n>]`
 *
 * Walks the audit chain of the configured database (DATABASE_URL, else the embedded
 * database under LEITSTAND_DATA_DIR — stop the server first, PGlite allows one process)
 * and names the first broken event. Exit code: 0 intact, 1 broken, 2 could not run.
 * Read-only: it records nothing (the page's button records `audit.verify`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, setDatabase } from '../../db/client';
import { getConfig } from '../config';
import { type ChainProblem, type ChainVerification, verifyAuditChain } from './index';

function describeProblem(problem: ChainProblem): string {
  switch (problem.kind) {
    case 'gap':
      return `event ${problem.expectedId} is missing (the next event is ${problem.id}): events were deleted`;
    case 'link':
      return `event ${problem.id} does not link to the event before it (prev_hash ${problem.actualPrevHash}, expected ${problem.expectedPrevHash}): the previous event was replaced or removed`;
    case 'hash':
      return `event ${problem.id} does not match its hash (stored ${problem.storedHash}, computed ${problem.computedHash}): its content was changed`;
    case 'anchor':
      return problem.actualHash === null
        ? `the chain ends before event ${problem.id}, which an earlier check recorded: events were removed from the end`
        : `event ${problem.id} has hash ${problem.actualHash}, not the recorded ${problem.expectedHash}: the chain was rebuilt`;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      anchor: { type: 'string' },
      'batch-size': { type: 'string', default: '2000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run audit:verify -- [--json] [--anchor <id>:<hash>] [--batch-size <n>]');
    return 0;
  }
  let anchor: { id: number; hash: string } | undefined;
  if (values.anchor) {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(values.anchor);
    if (!m) {
      console.error('--anchor must be <id>:<sha-256 hex>, as printed by an earlier run ("head").');
      return 2;
    }
    anchor = { id: Number(m[1]), hash: m[2]! };
  }
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    console.error('--batch-size must be a positive whole number.');
    return 2;
  }

  const config = getConfig();
  const dataDir = path.join(config.dataDir, 'pglite');
  if (!config.database.url && !fs.existsSync(dataDir)) {
    console.error(`No database: DATABASE_URL is not set and there is no embedded database at ${dataDir}.`);
    return 2;
  }
  const database = await openDatabase({ url: config.database.url, dataDir, poolSize: 1 });
  setDatabase(database);
  try {
    const tty = process.stderr.isTTY;
    let lastShown = 0;
    const result: ChainVerification = await verifyAuditChain({
      batchSize,
      anchor,
      db: database.db,
      onProgress: ({ checked, total }) => {
        const now = Date.now();
        if (now - lastShown < (tty ? 200 : 2000) && checked < total) return;
        lastShown = now;
        const pct = total > 0 ? Math.min(100, Math.floor((checked / total) * 100)) : 100;
        process.stderr.write(`${tty ? '\r' : ''}verifying ${database.description}: ${checked}/${total} events (${pct}%)${tty ? '' : '\n'}`);
      },
    });
    if (tty) process.stderr.write('\n');
    if (values.json) {
      console.log(JSON.stringify(result));
    } else if (result.ok) {
      console.log(`OK: ${result.checked} events verified in ${result.ms} ms.`);
      if (result.head) console.log(`head ${result.head.id}:${result.head.hash} (keep it; pass it as --anchor next time)`);
    } else {
      console.log(`BROKEN at event ${result.problem!.id}: ${describeProblem(result.problem!)}.`);
      console.log(`${result.checked} events before it are intact.`);
    }
    return result.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
