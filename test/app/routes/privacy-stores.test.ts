import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as editRoute from '~/routes/privacy.stores_.$id';
import { translateServerMessage } from '~/i18n/use-t';
import { auditEvents } from '../../../db/schema/audit';
import { erasureRequests, erasureTasks } from '../../../db/schema/privacy';
import { createStore, setPrivacyKeys, testStore } from '../../../server/privacy';
import { redactForAudit } from '../../../server/privacy/stores';
import { chatStoreMapping, type ChatStore, createChatStore } from '../../fixtures/privacy/chat-store';
import { dpo } from '../../fixtures/privacy/harness';
import { redisUrl, storeServerUrl } from '../../fixtures/privacy/servers';
import { createTestSession, createTestUser } from '../../support/auth';
import { createTestDatabase, type TestDatabase } from '../../support/database';

/*
 * Editing a registered data store through its page, the way Remix calls it: the same
 * validation as registering, credentials kept unless replaced and never sent to the page,
 * every change audited (mapping before and after, no secrets).
 */

let database: TestDatabase;
let chat: ChatStore;
let session: { cookie: string; csrfToken: string };
let reader: { cookie: string; csrfToken: string };
let pgId: string;
let redisId: string;
const password = `pw-${crypto.randomBytes(6).toString('hex')}`;
let secretUrl: string;
setPrivacyKeys(crypto.randomBytes(32));

beforeAll(async () => {
  database = await createTestDatabase();
  chat = await createChatStore(storeServerUrl(), { users: 20 });
  const u = new URL(chat.url);
  u.password = password; // the local server trusts, so any password connects — and must never be shown
  secretUrl = u.toString();
  pgId = (await createStore({ name: 'chat', kind: 'postgres', config: chatStoreMapping, credentials: { url: secretUrl } }, dpo)).id;
  redisId = (
    await createStore({ name: 'sessions', kind: 'redis', config: { keys: [{ pattern: 'edit-test:{subject}:*', kind: 'user_id', categories: ['user.session'] }] }, credentials: { url: redisUrl() } }, dpo)
  ).id;
  session = await createTestSession(await createTestUser({ roles: ['dpo'] }));
  reader = await createTestSession(await createTestUser({ roles: ['auditor'] }));
}, 120_000);

afterAll(async () => {
  await chat?.drop();
  await database?.close();
});

const get = (path: string, s = session) => new Request(`http://localhost${path}`, { headers: { cookie: s.cookie } });
const post = (path: string, fields: Record<string, string>, s = session) =>
  new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { cookie: s.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: s.csrfToken, ...fields }),
  });
const args = (request: Request, id: string) => ({ request, params: { id }, context: {} });

async function caught(promise: Promise<unknown>): Promise<Response> {
  try {
    return (await promise) as Response;
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

const save = (id: string, fields: Record<string, string>, s = session) => caught(editRoute.action(args(post(`/privacy/stores/${id}`, { intent: 'save', ...fields }, s), id)));
const updates = (id: string) => database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'privacy.store.update'), eq(auditEvents.targetId, id)));

describe('the data store edit page', () => {
  it('shows the mapping for editing but never the credentials', async () => {
    const response = (await editRoute.loader(args(get(`/privacy/stores/${pgId}`), pgId))) as Response;
    const text = await response.text();
    expect(text).not.toContain(password);
    expect(text).not.toContain(chat.name);
    const data = JSON.parse(text) as { name: string; kind: string; config: string; hasCredentials: boolean };
    expect(data).toMatchObject({ name: 'chat', kind: 'postgres', hasCredentials: true });
    expect(JSON.parse(data.config)).toEqual(chatStoreMapping);
    expect((await caught(editRoute.loader(args(get(`/privacy/stores/${crypto.randomUUID()}`), crypto.randomUUID())))).status).toBe(404);
    expect((await caught(editRoute.loader(args(get(`/privacy/stores/${pgId}`, reader), pgId)))).status).toBe(403);
  });

  it('refuses a bad mapping per field (keys the German page translates) and changes nothing', async () => {
    const broken = { ...chatStoreMapping, tables: chatStoreMapping.tables.map((t, i) => (i === 1 ? { ...t, method: 'drop' } : t)) };
    const bad = await save(pgId, { name: 'chat', config: JSON.stringify(broken), credentials: '' });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { formError: string; fieldErrors: Record<string, string[]> };
    expect(body.fieldErrors.config).toEqual(['privacy.error.choose?_at=tables.1.method&options=delete%2C+overwrite']);
    expect(translateServerMessage('de', body.fieldErrors.config![0]!)).toBe('tables.1.method: Wählen Sie eines von: delete, overwrite.');
    expect(translateServerMessage('de', body.formError)).toBe('Der Speicher kann so nicht gespeichert werden.');

    const notJson = await save(pgId, { name: 'chat', config: '{tables: [', credentials: '' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors).toEqual({ config: ['privacy.error.notJsonHint'] });

    // Checked against the live store: a table that does not exist is refused.
    const missing = { ...chatStoreMapping, tables: [...chatStoreMapping.tables, { ...chatStoreMapping.tables[4]!, table: 'invoicez' }] };
    const live = await save(pgId, { name: 'chat', config: JSON.stringify(missing), credentials: '' });
    expect(live.status).toBe(400);
    expect(((await live.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.config).toEqual(['privacy.error.tableMissing?table=invoicez']);

    // Wrong new credentials are refused and the stored ones kept.
    const wrong = await save(pgId, { name: 'chat', config: JSON.stringify(chatStoreMapping), credentials: JSON.stringify({ url: 'postgres://postgres@127.0.0.1:1/none' }) });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.credentials).toEqual([expect.stringMatching(/^privacy\.error\.unreachableReason\?reason=/)]);

    expect(await updates(pgId)).toHaveLength(0);
    expect(await testStore(pgId)).toMatchObject({ ok: true });
  });

  it('saves a changed mapping keeping the stored credentials, audited without secrets', async () => {
    const changed = { ...chatStoreMapping, tables: chatStoreMapping.tables.map((t, i) => (i === 3 ? { ...t, categories: ['user.content.feedback', 'user.content.rating'] } : t)) };
    const ok = await save(pgId, { name: 'chat-logs', config: JSON.stringify(changed), credentials: '' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, saved: 'chat-logs' });
    const data = (await (editRoute.loader(args(get(`/privacy/stores/${pgId}`), pgId)) as Promise<Response>).then((r) => r.json())) as { name: string; categories: string[] };
    expect(data).toMatchObject({ name: 'chat-logs' });
    expect(data.categories).toContain('user.content.rating');
    expect(await testStore(pgId)).toMatchObject({ ok: true });

    const [event] = await updates(pgId);
    expect(event).toMatchObject({ actorName: expect.any(String) });
    expect(event!.before).toMatchObject({ name: 'chat' });
    expect(event!.after).toMatchObject({ name: 'chat-logs', credentialsChanged: false, config: changed });
    expect(JSON.stringify(event)).not.toContain(password);
  });

  it('replaces the credentials only when new ones are entered, and refuses a name another store has', async () => {
    const ok = await save(pgId, { name: 'chat-logs', config: JSON.stringify(chatStoreMapping), credentials: JSON.stringify({ url: chat.url }) });
    expect(ok.status).toBe(200);
    const events = await updates(pgId);
    expect(events.map((e) => (e.after as { credentialsChanged: boolean }).credentialsChanged).sort()).toEqual([false, true]);
    expect(JSON.stringify(events)).not.toContain(chat.url);

    const clash = await save(pgId, { name: 'Sessions', config: JSON.stringify(chatStoreMapping), credentials: '' });
    expect(clash.status).toBe(400);
    expect(((await clash.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors).toEqual({ name: ['privacy.error.chooseAnotherName'] });
  });

  it('edits Redis key patterns with the same validation, and tests the connection with the stored credentials', async () => {
    const bad = await save(redisId, { name: 'sessions', config: JSON.stringify({ keys: [{ pattern: 'edit-test:*', kind: 'user_id', categories: ['user.session'] }] }), credentials: '' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.config).toEqual(['privacy.error.patternSubject?_at=keys.0.pattern']);
    const good = { keys: [{ pattern: 'edit-test:{subject}:*', kind: 'user_id', categories: ['user.session'] }], hashFields: [{ key: 'edit-test:profiles', field: '{subject}', kind: 'user_id', categories: ['user.profile.name'] }] };
    expect((await save(redisId, { name: 'sessions', config: JSON.stringify(good), credentials: '' })).status).toBe(200);
    const tested = await caught(editRoute.action(args(post(`/privacy/stores/${redisId}`, { intent: 'test', name: 'sessions', config: JSON.stringify(good), credentials: '' }), redisId)));
    expect(await tested.json()).toMatchObject({ ok: true, check: { ok: true } });
  });
});

describe('a store an erasure is running in', () => {
  it('cannot be edited until the run has ended; a failed one can be fixed', async () => {
    const [request] = await database.db
      .insert(erasureRequests)
      .values({ reference: 'ER-TEST', state: 'executing', channel: 'email', receivedOn: '2024-01-31', dueOn: '2024-02-29', createdBy: 'test' })
      .returning();
    await database.db.insert(erasureTasks).values({ requestId: request!.id, storeId: redisId, storeName: 'sessions', storeKind: 'redis', state: 'running' });
    const config = JSON.stringify({ keys: [{ pattern: 'edit-test:{subject}', kind: 'user_id', categories: ['user.session'] }] });
    const busy = await save(redisId, { name: 'sessions', config, credentials: '' });
    expect(busy.status).toBe(409);
    expect(translateServerMessage('de', ((await busy.json()) as { formError: string }).formError)).toMatch(/^In diesem Speicher läuft gerade eine Löschung/);
    await database.db.update(erasureRequests).set({ state: 'failed' }).where(eq(erasureRequests.id, request!.id));
    expect((await save(redisId, { name: 'sessions', config, credentials: '' })).status).toBe(200);
  });
});

describe('redactForAudit', () => {
  it('drops user info and query strings from URLs in a mapping, and keeps everything else', () => {
    expect(redactForAudit({ url: 'https://crm:hunter2@crm.internal/erase?token=abc', categories: ['a.b'], overwrite: { password: null } })).toEqual({
      url: 'https://[redacted]@crm.internal/erase?[redacted]',
      categories: ['a.b'],
      overwrite: { password: null },
    });
  });
});
