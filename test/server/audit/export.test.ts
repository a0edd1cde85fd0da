import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditExportStream,
  csvCell,
  csvColumns,
  exportAuditEvents,
  recordAudit,
} from '../../../server/audit';
import { seedAuditEvents } from '../../support/audit-seed';
import { createTestDatabase, type TestDatabase } from '../../support/database';

let database: TestDatabase;
const N = 1200;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedAuditEvents(database.db, N);
  // An event full of what breaks naive CSV writers, and a formula.
  await database.db.transaction((tx) =>
    recordAudit(tx, {
      actor: { id: null, name: '=HYPERLINK("http://evil","x")', roles: ['admin', 'dpo'] },
      action: 'note.write',
      targetType: 'note',
      targetId: '+1,"quoted"\r\nnext line',
      after: { text: 'comma, "quote" and\nnewline', n: -3 },
    }),
  );
});
afterAll(() => database.close());

/** An RFC 4180 reader: the oracle for what a spreadsheet or csv library will see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe('csvCell', () => {
  it('quotes what needs quoting and doubles quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tcmd', '\rcmd'])('neutralises the formula %j', (value) => {
    const cell = csvCell(value);
    expect(parseCsv(`${cell}\r\n`)[0]![0]).toBe(`'${value}`);
  });
});

describe('exportAuditEvents', () => {
  it('yields every event, in batches, oldest first by default', async () => {
    const ids: number[] = [];
    for await (const event of exportAuditEvents({ batchSize: 100 })) ids.push(event.id);
    expect(ids).toEqual(Array.from({ length: N + 1 }, (_, i) => i + 1));
  });

  it('applies the filters and the order of the page', async () => {
    const ids: number[] = [];
    for await (const event of exportAuditEvents({ filters: { actor: 'carol', action: 'token.' }, order: 'newest', batchSize: 7 })) {
      expect(event.actorName).toBe('carol');
      expect(event.action.startsWith('token.')).toBe(true);
      ids.push(event.id);
    }
    expect(ids.length).toBeGreaterThan(7);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('leaves out events appended after the export began', async () => {
    const events = exportAuditEvents({ batchSize: 500 });
    const first = await events.next();
    expect(first.value?.id).toBe(1);
    const late = await database.db.transaction((tx) =>
      recordAudit(tx, { actor: { id: null, name: 'late', roles: [] }, action: 'late.write', targetType: 'x' }),
    );
    let lastId = 0;
    for await (const event of events) lastId = event.id;
    expect(lastId).toBe(late.id - 1);
  });
});

describe('auditExportStream', () => {
  it('writes CSV that an RFC 4180 reader turns back into the events', async () => {
    const text = await readAll(auditExportStream('csv', { filters: { action: 'note.' } }));
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...csvColumns]);
    expect(rows).toHaveLength(2);
    const record = Object.fromEntries(csvColumns.map((c, i) => [c, rows[1]![i]]));
    expect(record.actor_name).toBe(`'=HYPERLINK("http://evil","x")`);
    expect(record.target_id).toBe(`'+1,"quoted"\r\nnext line`);
    expect(record.actor_roles).toBe('admin dpo');
    expect(JSON.parse(record.after!)).toEqual({ text: 'comma, "quote" and\nnewline', n: -3 });
    expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes one JSON object per line with every field', async () => {
    const text = await readAll(auditExportStream('jsonl', { filters: { actor: 'alice' } }));
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBe(Math.ceil(N / 5));
    expect(lines[0]).toMatchObject({ id: 1, actorName: 'alice', occurredAt: '2025-01-01T00:00:00.000Z' });
    expect(Object.keys(lines[0]!).sort()).toEqual(
      ['action', 'actorId', 'actorName', 'actorRoles', 'after', 'before', 'clientAddress', 'hash', 'id', 'occurredAt', 'prevHash', 'requestId', 'targetId', 'targetType'],
    );
  });

  it('stops reading the database when the client goes away', async () => {
    const stream = auditExportStream('jsonl');
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel();
    const after = await reader.read();
    expect(after.done).toBe(true);
  });
});
