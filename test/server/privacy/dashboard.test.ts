import crypto from 'node:crypto';
import client from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMonths,
  createRequest,
  deadlineDashboard,
  parseSubjectIndex,
  privacyMetrics,
  setPrivacyKeys,
  subjectHash,
  todayUtc,
} from '../../../server/privacy';
import { dpo } from '../../fixtures/privacy/harness';
import { createTestDatabase, type TestDatabase } from '../../support/database';

let database: TestDatabase;
setPrivacyKeys(crypto.randomBytes(32));

function daysAgo(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

beforeAll(async () => {
  database = await createTestDatabase();
  for (const received of [daysAgo(40), daysAgo(26), daysAgo(2)]) {
    await createRequest({ identifiers: [{ kind: 'user_id', value: received }], requesterName: 'x', requesterContact: 'post', channel: 'letter', receivedOn: received }, dpo);
  }
});
afterAll(() => database.close());

describe('deadline dashboard and /metrics', () => {
  it('buckets open requests by days left and counts those at risk', async () => {
    const d = await deadlineDashboard();
    expect(d.open.map((r) => r.daysLeft)).toEqual(
      [daysAgo(40), daysAgo(26), daysAgo(2)].map((r) => Math.round((Date.parse(addMonths(r, 1)) - Date.parse(todayUtc())) / 86_400_000)),
    );
    expect(d.overdue).toBe(1);
    // At risk means 0–7 days left, the same range as its bucket; overdue is its own number.
    expect(d.atRisk).toBe(1);
    expect(d.atRisk).toBe(d.buckets.find((b) => b.key === 'd0_7')!.count);
    expect(d.buckets.reduce((s, b) => s + b.count, 0)).toBe(3);
    expect(d.buckets.find((b) => b.key === 'overdue')!.count).toBe(1);
  });

  it('exports the counts on the default prom-client registry', async () => {
    privacyMetrics();
    const text = await client.register.metrics();
    expect(text).toMatch(/leitstand_privacy_erasure_requests_overdue 1/);
    expect(text).toMatch(/leitstand_privacy_erasure_requests_open 3/);
    expect(text).toMatch(/leitstand_privacy_erasure_requests_at_risk 1\n/);
  });

  it('refuses a receipt date in the future', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await expect(
      createRequest({ identifiers: [{ kind: 'user_id', value: '1' }], requesterName: 'x', requesterContact: 'post', channel: 'letter', receivedOn: tomorrow }, dpo),
    ).rejects.toMatchObject({ name: 'InputError', fieldErrors: { receivedOn: ['privacy.error.receivedInFuture'] } });
  });
});

describe('parseSubjectIndex', () => {
  it('hashes plain identifiers on arrival and accepts pre-computed keyed hashes', () => {
    const h = subjectHash({ kind: 'email', value: 'a@b.org' });
    const hashes = parseSubjectIndex(`# comment\nemail:A@B.org\nh:${h.toUpperCase()}\ntenant_user_id:acme/42\n\n`);
    expect(hashes).toEqual([h, subjectHash({ kind: 'tenant_user_id', tenant: 'acme', value: '42' })]);
  });

  it('names the lines it does not understand', () => {
    expect(() => parseSubjectIndex('email:a@b.org\nphone:123\ntenant_user_id:42')).toThrow(expect.objectContaining({ fieldErrors: { subjectIndex: ['privacy.error.subjectIndexLines?lines=2%2C+3'] } }));
  });
});
