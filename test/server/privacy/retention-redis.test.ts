import crypto from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, stopWorkers } from '../../../server/jobs';
import { createPolicy, createStore, listRuns, runPolicy, setPrivacyKeys, type SignedDocument, verifyDocument } from '../../../server/privacy';
import { dpo } from '../../fixtures/privacy/harness';
import { redisUrl } from '../../fixtures/privacy/servers';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { waitFor } from '../jobs/helpers';

/*
 * Retention on a real Redis: session hashes under a prefix unique to the run, aged by their
 * `ts` field (Unix seconds or milliseconds). Old keys go, recent and undated ones stay.
 */

let database: TestDatabase;
const redis = createClient({ url: redisUrl() });
const prefix = `leitstand-retention:${crypto.randomBytes(4).toString('hex')}:`;
const keys = setPrivacyKeys(crypto.randomBytes(32));
const day = 86_400_000;
let storeId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  await redis.connect();
  const now = Date.now();
  await redis.hSet(`${prefix}sess:1:a`, { ts: String(Math.floor((now - 400 * day) / 1000)), data: 'x' }); // old, seconds
  await redis.hSet(`${prefix}sess:2:a`, { ts: String(now - 100 * day), data: 'x' }); // old, milliseconds
  await redis.hSet(`${prefix}sess:3:a`, { ts: String(Math.floor((now - 5 * day) / 1000)), data: 'x' }); // recent
  await redis.hSet(`${prefix}sess:4:a`, { data: 'no timestamp' }); // undated
  await redis.set(`${prefix}sess:5:a`, 'a plain string'); // not a hash: undated
  await redis.hSet(`${prefix}other:1`, { ts: '1' }); // another pattern: untouched
  const config = {
    keys: [
      { pattern: `${prefix}sess:{subject}:*`, kind: 'user_id', categories: ['user.session'], timestampField: 'ts' },
      { pattern: `${prefix}cart:{subject}`, kind: 'user_id', categories: ['user.cart'] },
    ],
    hashFields: [{ key: `${prefix}profiles`, field: '{subject}', kind: 'user_id', categories: ['user.profile.name'] }],
  };
  storeId = (await createStore({ name: 'sessions', kind: 'redis', config, credentials: { url: redisUrl() } }, dpo)).id;
  await startWorkers({ pollIntervalMs: 20, leaseMs: 2000, progressIntervalMs: 0 });
}, 60_000);

afterAll(async () => {
  await stopWorkers({ timeoutMs: 1000 });
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}*` })) if (batch.length) await redis.unlink(batch);
  await redis.quit();
  await database?.close();
});

describe('retention on a Redis store', () => {
  it('is refused without a timestamp field, for fields inside shared hashes, and for anonymisation', async () => {
    await expect(createPolicy({ category: 'user.cart', storeId, maxAgeDays: 30, action: 'delete' }, dpo)).rejects.toMatchObject({
      name: 'InputError',
      fieldErrors: { category: [expect.stringMatching(/^privacy\.error\.noTimestampField\?patterns=/)] },
    });
    await expect(createPolicy({ category: 'user.profile.name', storeId, maxAgeDays: 30, action: 'delete' }, dpo)).rejects.toMatchObject({
      fieldErrors: { category: [expect.stringMatching(/^privacy\.error\.redisHashFieldsAge\?fields=/)] },
    });
    await expect(createPolicy({ category: 'user.session', storeId, maxAgeDays: 30, action: 'anonymise' }, dpo)).rejects.toMatchObject({
      fieldErrors: { action: ['privacy.error.redisDeleteOnly'] },
    });
    await expect(createPolicy({ category: 'user.session', storeId, tenant: 'acme', maxAgeDays: 30, action: 'delete' }, dpo)).rejects.toMatchObject({
      fieldErrors: { tenant: [expect.stringMatching(/^privacy\.error\.noTenant/)] },
    });
  });

  it('unlinks keys older than the limit by their timestamp field, keeps recent and undated ones, with signed evidence', async () => {
    const policy = await createPolicy({ category: 'user.session', storeId, maxAgeDays: 30, action: 'delete' }, dpo);
    const run = await runPolicy(policy.id, dpo);
    const done = await waitFor('the run to finish', async () => {
      const [r] = await listRuns({ policyId: policy.id });
      return r?.finishedAt ? r : null;
    }, 30_000);
    expect(run.id).toBe(done.id);
    expect(await redis.exists([`${prefix}sess:1:a`, `${prefix}sess:2:a`])).toBe(0);
    expect(await redis.exists([`${prefix}sess:3:a`, `${prefix}sess:4:a`, `${prefix}sess:5:a`, `${prefix}other:1`])).toBe(4);
    expect(done.rows).toBe(2);
    const signed = done.evidence as SignedDocument<{ tables: { table: string; rows: number; undated: number }[]; rows: number }>;
    expect(verifyDocument(signed, keys.evidencePublicKey).ok).toBe(true);
    expect(signed.document.tables).toEqual([{ table: `keys:${prefix}sess:{subject}:*`, rows: 2, undated: 2 }]);
  });
});
