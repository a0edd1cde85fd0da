import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresConnector, pgliteSqlClient } from '../../../server/privacy/connectors';

// pgvector through PGlite's vector extension: the same connector code as for a server.
let pg: PGlite;
let connector: PostgresConnector;
const subject = [{ kind: 'user_id' as const, value: 'u-4242' }];

beforeAll(async () => {
  pg = await PGlite.create({ extensions: { vector } });
  await pg.exec(`
    create extension vector;
    create table chunks (id bigserial primary key, embedding vector(3) not null, metadata jsonb not null, body text);
    insert into chunks (embedding, metadata, body)
      select ('[' || (g % 7) || ',' || (g % 11) || ',' || (g % 13) || ']')::vector,
             jsonb_build_object('user_id', 'u-' || (4240 + g % 5), 'source', 'chat'), 'chunk ' || g
        from generate_series(1, 5000) g;
    create index chunks_subject_idx on chunks ((metadata->>'user_id'));
  `);
  connector = new PostgresConnector(pgliteSqlClient(pg), {
    batchSize: 250,
    tables: [
      {
        table: 'chunks',
        identifiers: [{ column: 'metadata', kind: 'user_id', jsonKey: 'user_id' }],
        categories: ['user.content.embedding'],
        method: 'delete',
      },
    ],
  });
});

afterAll(async () => {
  await pg?.close();
});

describe('PostgresConnector on a pgvector table', () => {
  it('discovers the metadata key that names the subject', async () => {
    const discovery = await connector.discover();
    const chunks = discovery.tables.find((t) => t.name === 'chunks')!;
    expect(chunks.columns.find((c) => c.name === 'embedding')?.type).toBe('vector');
    expect(chunks.columns.find((c) => c.name === 'metadata')?.suggestion).toEqual({ kind: 'user_id', jsonKey: 'user_id' });
  });

  it('erases the subject in batches, leaves the neighbours and their vectors', async () => {
    const [target] = await connector.targets();
    expect(await connector.count(target!, subject)).toBe(1000);
    const before = await pg.query<{ n: number; s: string }>(
      `select count(*)::int as n, sum(embedding <-> '[0,0,0]')::text as s from chunks where metadata->>'user_id' <> 'u-4242'`,
    );
    expect(await connector.erase(target!, subject, {})).toBe(1000);
    expect(await connector.verify(target!, subject)).toBe(0);
    expect(await connector.erase(target!, subject, {})).toBe(0);
    const after = await pg.query<{ n: number; s: string }>(
      `select count(*)::int as n, sum(embedding <-> '[0,0,0]')::text as s from chunks where metadata->>'user_id' <> 'u-4242'`,
    );
    expect(after.rows).toEqual(before.rows);
    expect(before.rows[0]!.n).toBe(4000);
  });
});
