/**
 * Privacy erasure benchmark (`node --import tsx test/bench/privacy-erasure.ts [--users 200000] [--subjects 5]`).
 *
 * 1. Builds the chat-log store (test/fixtures/privacy/chat-store.ts) in a fresh database on
 *    the local PostgreSQL server with `--users` users: 50 messages, 5 conversations, one
 *    feedback row and one invoice each — 200 000 users give 11.4 million rows, 10 million of
 *    them messages. The identifier columns are indexed (lower(email), conversations.user_id,
 *    messages.conversation_id, feedback(user_id, tenant_id)), as in a store that serves its
 *    application; without them every count is a sequential scan. Plus a Redis key space
 *    under a unique prefix (20 000 keys, 12 per subject).
 * 2. For `--subjects` subjects: discovery (every target's dry-run count in both stores) and
 *    execution (erase every target, then verify) through the real connectors. Target:
 *    discovery < 2 s, execution < 10 s per subject.
 * 3. Retention: purges the messages older than 350 days (about 5 million rows) with the
 *    real batched purge (10 000 rows per statement) while a writer inserts messages one by
 *    one; insert latency p50/p99 is measured for 10 s without the purge and during it.
 *
 * Loopback only; bounded (about 3–6 minutes, mostly the data load). Prints a summary and
 * `RESULT <json>`. The database and the Redis prefix are removed at the end.
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { createClient } from 'redis';
import { PostgresConnector, postgresSqlClient, RedisConnector, type Connector, type Target } from '../../server/privacy/connectors';
import { chatStoreMapping, createChatStore } from '../fixtures/privacy/chat-store';
import { redisUrl, storeServerUrl } from '../fixtures/privacy/servers';

const { values } = parseArgs({ options: { users: { type: 'string', default: '200000' }, subjects: { type: 'string', default: '5' } } });
const users = Number(values.users);
const subjects = Number(values.subjects);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}
const median = (xs: number[]) => quantile(xs, 0.5);
const ms = (n: number) => `${n.toFixed(1)} ms`;

const t0 = performance.now();
console.log(`building the chat store with ${users} users …`);
const store = await createChatStore(storeServerUrl(), { users });
const [size] = await store.sql`select (select count(*) from messages)::int as messages,
  (select count(*) from conversations)::int + (select count(*) from users)::int + (select count(*) from feedback)::int + (select count(*) from invoices)::int as others`;
const loadSeconds = (performance.now() - t0) / 1000;
console.log(`  ${size!.messages} messages + ${size!.others} other rows in ${loadSeconds.toFixed(0)} s`);

const prefix = `leitstand-bench:${crypto.randomBytes(4).toString('hex')}:`;
const redis = createClient({ url: redisUrl() });
await redis.connect();
for (let start = 1; start <= 20_000; start += 2_000) {
  const m = redis.multi();
  for (let u = start; u < start + 2_000; u++) for (let k = 0; k < (u % 10 === 0 ? 12 : 0); k++) m.set(`${prefix}chat:${u}:msg:${k}`, 'x');
  for (let u = start; u < start + 2_000; u++) if (u % 10 !== 0) m.set(`${prefix}cache:${u}`, 'x');
  await m.exec();
}

const pg = new PostgresConnector(postgresSqlClient(store.url, { max: 2 }), chatStoreMapping);
const rc = new RedisConnector(redisUrl(), {
  keys: [{ pattern: `${prefix}chat:{subject}:*`, kind: 'user_id', categories: ['user.content.private'] }],
  hashFields: [],
});
const stores: Connector[] = [pg, rc];
const plans = await Promise.all(stores.map(async (c) => ({ c, targets: (await c.targets()).filter((t: Target) => t.key !== 'invoices') })));

const discovery: number[] = [];
const execution: number[] = [];
const erasedCounts: number[] = [];
for (let i = 0; i < subjects; i++) {
  const id = 10 * Math.floor(((i + 1) * users) / (subjects + 1) / 10);
  const subject = [
    { kind: 'user_id' as const, value: String(id) },
    { kind: 'email' as const, value: `user${id}@example.org` },
    { kind: 'tenant_user_id' as const, value: String(id), tenant: `t${1 + (id % 3)}` },
  ];
  let start = performance.now();
  let found = 0;
  for (const { c, targets } of plans) for (const t of targets) found += await c.count(t, subject);
  discovery.push(performance.now() - start);
  start = performance.now();
  let erased = 0;
  for (const { c, targets } of plans) for (const t of targets) erased += await c.erase(t, subject, {});
  let left = 0;
  for (const { c, targets } of plans) for (const t of targets) left += await c.verify(t, subject);
  execution.push(performance.now() - start);
  if (left !== 0 || erased !== found) throw new Error(`subject ${id}: found ${found}, erased ${erased}, left ${left}`);
  erasedCounts.push(erased);
  console.log(`  subject ${id}: ${found} records, discovery ${ms(discovery.at(-1)!)}, execution+verification ${ms(execution.at(-1)!)}`);
}

// Retention under write load.
const writer = postgres(store.url, { max: 1, onnotice: () => {} });
let nextId = 1_000_000_000;
async function insertFor(seconds: number, stop?: () => boolean): Promise<number[]> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && !(stop?.() ?? false)) {
    const s = performance.now();
    await writer`insert into messages values (${nextId++}, 1, 'user', 'new message', now())`;
    lat.push(performance.now() - s);
  }
  return lat;
}
const baseline = await insertFor(10);
const cutoff = new Date(Date.now() - 350 * 86_400_000);
const [old] = await store.sql`select count(*)::int as n from messages where created_at < ${cutoff}`;
let purging = true;
const purgeStart = performance.now();
const purge = pg.purgeOlderThan('messages', cutoff, { action: 'delete', batchSize: 10_000 }).finally(() => (purging = false));
const during = await insertFor(600, () => !purging);
const purged = await purge;
const purgeSeconds = (performance.now() - purgeStart) / 1000;

await writer.end();
await pg.close();
await rc.close();
const keys: string[] = [];
for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
for (let i = 0; i < keys.length; i += 1000) await redis.unlink(keys.slice(i, i + 1000));
await redis.quit();
await store.drop();

const result = {
  rows: size!.messages + size!.others,
  indexesOnIdentifierColumns: true,
  subjects,
  recordsPerSubject: median(erasedCounts),
  discoveryMs: { median: median(discovery), max: Math.max(...discovery) },
  executionMs: { median: median(execution), max: Math.max(...execution) },
  purge: { rows: purged, expected: old!.n, seconds: purgeSeconds, rowsPerSecond: Math.round(purged / purgeSeconds) },
  insertLatencyMs: {
    baseline: { n: baseline.length, p50: median(baseline), p99: quantile(baseline, 0.99) },
    duringPurge: { n: during.length, p50: median(during), p99: quantile(during, 0.99) },
  },
  targets: { discoveryUnder2s: Math.max(...discovery) < 2000, executionUnder10s: Math.max(...execution) < 10_000 },
};
console.log(`
store: ${result.rows} rows (identifier columns indexed)
discovery per subject: median ${ms(result.discoveryMs.median)}, max ${ms(result.discoveryMs.max)} (target < 2 s)
execution + verification per subject: median ${ms(result.executionMs.median)}, max ${ms(result.executionMs.max)} (target < 10 s)
retention purge: ${purged} of ${old!.n} rows in ${purgeSeconds.toFixed(1)} s = ${result.purge.rowsPerSecond} rows/s
insert latency: without purge p50 ${ms(result.insertLatencyMs.baseline.p50)} p99 ${ms(result.insertLatencyMs.baseline.p99)}; during purge p50 ${ms(result.insertLatencyMs.duringPurge.p50)} p99 ${ms(result.insertLatencyMs.duringPurge.p99)}`);
console.log(`RESULT ${JSON.stringify(result)}`);
