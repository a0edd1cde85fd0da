import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresConnector, orderChildrenFirst, postgresSqlClient } from '../../../server/privacy/connectors';
import { chatStoreMapping, type ChatStore, createChatStore, subject, subjectIdentifiers, subjectRows } from '../../fixtures/privacy/chat-store';
import { storeServerUrl } from '../../fixtures/privacy/servers';

// A real PostgreSQL store: its own database on the local server, 1 000 000 messages.
let store: ChatStore;
let connector: PostgresConnector;

beforeAll(async () => {
  store = await createChatStore(storeServerUrl(), { users: 20_000 });
  connector = new PostgresConnector(postgresSqlClient(store.url), chatStoreMapping);
}, 120_000);

afterAll(async () => {
  await connector?.close();
  await store?.drop();
});

async function neighbourSnapshot() {
  const [row] = await store.sql`
    select (select count(*) from messages)::int as messages,
           (select count(*) from conversations)::int as conversations,
           (select count(*) from feedback)::int as feedback,
           (select count(*) from users where email is not null)::int as users_with_email,
           (select email from users where id = 4241) as before_email,
           (select email from users where id = 4243) as after_email,
           (select count(*) from conversations where user_id in (4241, 4243))::int as neighbour_conversations,
           (select count(*) from messages m join conversations c on c.id = m.conversation_id where c.user_id = 4243)::int as neighbour_messages,
           (select count(*) from feedback where user_id = 4242 and tenant_id = 't3')::int as other_tenant_feedback`;
  return row!;
}

describe('PostgresConnector on a chat-log store with a million messages', () => {
  it('holds at least a million rows', async () => {
    const [row] = await store.sql`select count(*)::int as n from messages`;
    expect(row!.n).toBeGreaterThanOrEqual(1_000_000);
  });

  it('tests the connection and names the failure without credentials', async () => {
    expect(await connector.test()).toMatchObject({ ok: true });
    const bad = new PostgresConnector(postgresSqlClient('postgres://nobody:sekrit@127.0.0.1:1/x'), chatStoreMapping);
    const result = await bad.test();
    await bad.close();
    expect(result).toEqual({ ok: false, reason: 'connection refused' });
    expect(JSON.stringify(result)).not.toContain('sekrit');
  });

  it('discovers tables and columns and suggests identifier columns', async () => {
    const discovery = await connector.discover();
    const users = discovery.tables.find((t) => t.name === 'users')!;
    expect(users.columns.find((c) => c.name === 'email')?.suggestion).toEqual({ kind: 'email' });
    const feedback = discovery.tables.find((t) => t.name === 'feedback')!;
    // A user id next to a tenant column is a tenant-scoped id.
    expect(feedback.columns.find((c) => c.name === 'user_id')?.suggestion).toEqual({ kind: 'tenant_user_id' });
    const messages = discovery.tables.find((t) => t.name === 'messages')!;
    expect(messages.references).toContainEqual({ column: 'conversation_id', table: 'conversations', column2: 'id' });
    expect(messages.columns.find((c) => c.name === 'content')?.suggestion).toBeUndefined();
  });

  it('checks the mapping against the live schema', async () => {
    expect(await connector.checkMapping()).toEqual([]);
    const wrong = new PostgresConnector(postgresSqlClient(store.url), {
      ...chatStoreMapping,
      tables: [{ ...chatStoreMapping.tables[2]!, table: 'messagez' }, { ...chatStoreMapping.tables[0]!, identifiers: [{ column: 'mail', kind: 'email' }] }],
    });
    const problems = await wrong.checkMapping();
    await wrong.close();
    expect(problems).toContain('privacy.error.tableMissing?table=messagez');
    expect(problems).toContain('privacy.error.columnMissing?column=users.mail');
  });

  it('orders targets children before parents (declared references and via mappings)', async () => {
    const order = (await connector.targets()).map((t) => t.key);
    expect(order.indexOf('messages')).toBeLessThan(order.indexOf('conversations'));
    expect(order.indexOf('conversations')).toBeLessThan(order.indexOf('users'));
    expect(order.indexOf('invoices')).toBeLessThan(order.indexOf('users'));
  });

  it('counts the subject per table in a dry run, changing nothing', async () => {
    const before = await neighbourSnapshot();
    const counts: Record<string, number> = {};
    for (const t of await connector.targets()) counts[t.key] = await connector.count(t, subjectIdentifiers);
    expect(counts).toEqual(subjectRows());
    expect(await neighbourSnapshot()).toEqual(before);
  });

  it('erases only the subject (delete and overwrite), verifies nothing is left, and is idempotent', async () => {
    const before = await neighbourSnapshot();
    const targets = (await connector.targets()).filter((t) => t.key !== 'invoices');
    const erased: Record<string, number> = {};
    for (const t of targets) erased[t.key] = await connector.erase(t, subjectIdentifiers, {});
    const { invoices: _kept, ...expected } = subjectRows();
    expect(erased).toEqual(expected);
    for (const t of targets) expect(await connector.verify(t, subjectIdentifiers)).toBe(0);
    for (const t of targets) expect(await connector.erase(t, subjectIdentifiers, {})).toBe(0);

    const after = await neighbourSnapshot();
    expect(after).toEqual({
      ...before,
      messages: before.messages - 50,
      conversations: before.conversations - 5,
      feedback: before.feedback - 2,
      users_with_email: before.users_with_email - 1,
    });
    expect(after.other_tenant_feedback).toBe(1);
    const [user] = await store.sql`select email, display_name from users where id = ${subject.userId}`;
    expect(user).toEqual({ email: null, display_name: 'erased' });
    const [invoice] = await store.sql`select count(*)::int as n from invoices where user_id = ${subject.userId}`;
    expect(invoice!.n).toBe(1);
  });
});

describe('orderChildrenFirst', () => {
  it('refuses a reference cycle instead of picking an arbitrary order', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['a'])],
    ]);
    expect(() => orderChildrenFirst(graph)).toThrow(/cycle/);
  });

  it('puts a grandchild before its parent and grandparent', () => {
    const graph = new Map([
      ['users', new Set<string>()],
      ['conversations', new Set(['users'])],
      ['messages', new Set(['conversations'])],
    ]);
    expect(orderChildrenFirst(graph)).toEqual(['messages', 'conversations', 'users']);
  });
});
