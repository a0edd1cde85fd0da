import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEventPage,
  type AuditFilters,
  getAuditEvent,
  listAuditEvents,
  parseAuditQuery,
  parseTimeBound,
  recordAudit,
} from '../../../server/audit';
import { sampleEvent, seedAuditEvents } from '../../support/audit-seed';
import { createTestDatabase, type TestDatabase } from '../../support/database';

let database: TestDatabase;
const N = 230;
const start = new Date('2025-01-01T00:00:00Z');
beforeAll(async () => {
  database = await createTestDatabase();
  await seedAuditEvents(database.db, N, { start });
});
afterAll(() => database.close());

/** Ids (event i has id i + 1) of the seeded events matching a predicate on the sample. */
function expectedIds(match: (i: number) => boolean): number[] {
  return Array.from({ length: N }, (_, i) => i).filter(match).map((i) => i + 1);
}

async function walk(filters: AuditFilters, limit: number) {
  const pages: AuditEventPage[] = [];
  let page = await listAuditEvents({ filters, limit });
  pages.push(page);
  while (page.older !== null) {
    page = await listAuditEvents({ filters, limit, cursor: page.older, direction: 'older' });
    pages.push(page);
  }
  return pages;
}

describe('listAuditEvents', () => {
  it('starts with the newest events and offers only an older page', async () => {
    const page = await listAuditEvents({ limit: 20 });
    expect(page.events.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => N - i));
    expect(page.newer).toBeNull();
    expect(page.older).toBe(N - 19);
  });

  it('walks older page by page to the end, seeing every event once, then back newer', async () => {
    const pages = await walk({}, 50);
    const ids = pages.flatMap((p) => p.events.map((e) => e.id));
    expect(ids).toEqual(Array.from({ length: N }, (_, i) => N - i));
    const last = pages[pages.length - 1]!;
    expect(last.events).toHaveLength(30);
    expect(last.older).toBeNull();
    expect(last.newer).toBe(30);
    const back = await listAuditEvents({ limit: 50, cursor: last.newer, direction: 'newer' });
    // Newer pages still display newest first: the page right above the last one.
    expect(back.events.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => 80 - i));
    expect(back.newer).toBe(80);
    expect(back.older).toBe(31);
  });

  it('sorts oldest first and pages forward with "newer"', async () => {
    const first = await listAuditEvents({ order: 'oldest', limit: 25 });
    expect(first.events.map((e) => e.id)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(first.older).toBeNull();
    expect(first.newer).toBe(25);
    const second = await listAuditEvents({ order: 'oldest', limit: 25, cursor: 25, direction: 'newer' });
    expect(second.events[0]!.id).toBe(26);
    expect(second.older).toBe(26);
  });

  it('filters by actor name, action prefix, and target; pages stay within the filter', async () => {
    const filters = { actor: 'bob', action: 'user.', targetType: 'user' };
    const ids = (await walk(filters, 4)).flatMap((p) => p.events.map((e) => e.id));
    const want = expectedIds((i) => {
      const e = sampleEvent(i);
      return e.actor.name === 'bob' && e.action.startsWith('user.') && e.targetType === 'user';
    }).reverse();
    expect(want.length).toBeGreaterThan(4);
    expect(ids).toEqual(want);
  });

  it('filters by target id', async () => {
    const page = await listAuditEvents({ filters: { targetType: 'model', targetId: 't-4' } });
    expect(page.events.map((e) => e.id)).toEqual(expectedIds((i) => i % 100 === 4 && i % 3 !== 0).reverse());
  });

  it('treats % and _ in the action filter literally', async () => {
    await database.db.transaction((tx) =>
      recordAudit(tx, { actor: { id: null, name: 'x', roles: [] }, action: 'weird_action', targetType: 'x' }),
    );
    expect((await listAuditEvents({ filters: { action: 'weird_' } })).events.map((e) => e.action)).toEqual(['weird_action']);
    expect((await listAuditEvents({ filters: { action: 'user%' } })).events).toHaveLength(0);
    expect((await listAuditEvents({ filters: { action: 'u_er.' } })).events).toHaveLength(0);
  });

  it('filters by time range: from inclusive, to exclusive', async () => {
    const from = new Date(start.getTime() + 10_000);
    const to = new Date(start.getTime() + 20_000);
    const page = await listAuditEvents({ filters: { from, to }, order: 'oldest' });
    expect(page.events.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => 11 + i));
  });

  it('filters by actor id when given a UUID', async () => {
    const id = '0b7e2a52-5b1c-4d0e-8f3a-6c9d1e2f3a4b';
    await database.db.transaction((tx) =>
      recordAudit(tx, { actor: { id, name: 'zed', roles: [] }, action: 'x.y', targetType: 'x' }),
    );
    const page = await listAuditEvents({ filters: { actor: id.toUpperCase() } });
    expect(page.events.map((e) => e.actorName)).toEqual(['zed']);
  });

  it('offers the way back after walking past the end', async () => {
    const page = await listAuditEvents({ limit: 10, cursor: 1, direction: 'older' });
    expect(page.events).toHaveLength(0);
    expect(page.older).toBeNull();
    expect(page.newer).toBe(0);
    expect((await listAuditEvents({ limit: 10, cursor: 0, direction: 'newer' })).events[0]!.id).toBe(10);
  });

  it('caps the page size', async () => {
    expect((await listAuditEvents({ limit: 100_000 })).events.length).toBeLessThanOrEqual(500);
    expect((await listAuditEvents({ limit: 0 })).events).toHaveLength(1);
  });
});

describe('getAuditEvent', () => {
  it('returns the whole event with a diff of before and after', async () => {
    const { event, diff } = await getAuditEvent(2);
    expect(event.id).toBe(2);
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(diff).toContainEqual({ path: 'replicas', change: 'changed', before: '1', after: '2' });
    expect(diff).toContainEqual({ path: 'labels.tier', change: 'added', after: '"gold"' });
    expect(diff).toContainEqual({ path: 'labels.team', change: 'unchanged', before: '"ml"', after: '"ml"' });
  });

  it('refuses an id that does not exist', async () => {
    await expect(getAuditEvent(999_999)).rejects.toMatchObject({ name: 'NotFoundError', status: 404, message: 'audit.error.notFound' });
  });
});

describe('parseAuditQuery', () => {
  it('reads filters and the cursor', () => {
    expect(parseAuditQuery({ actor: ' alice ', action: 'user.', before: '120', order: 'oldest', from: '', to: null })).toEqual({
      filters: { actor: 'alice', action: 'user.', targetType: undefined, targetId: undefined, from: undefined, to: undefined },
      cursor: 120,
      direction: 'older',
      order: 'oldest',
    });
    expect(parseAuditQuery({ after: '7' })).toMatchObject({ cursor: 7, direction: 'newer', order: 'newest' });
  });

  it('names each bad field', () => {
    let error: unknown;
    try {
      parseAuditQuery({ from: 'yesterday', before: '-3', order: 'sideways' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'InputError', status: 400 });
    expect((error as { fieldErrors: object }).fieldErrors).toEqual({
      before: ['audit.error.cursor'],
      order: ['audit.error.order'],
    });
    expect(() => parseAuditQuery({ from: 'yesterday' })).toThrow(
      expect.objectContaining({ message: 'audit.error.filters', fieldErrors: { from: ['audit.error.time'] } }),
    );
    expect(() => parseAuditQuery({ actor: 'x'.repeat(201) })).toThrow(
      expect.objectContaining({ fieldErrors: { actor: ['audit.error.tooLong'] } }),
    );
  });

  it('refuses a range that ends before it starts, and two cursors at once', () => {
    expect(() => parseAuditQuery({ from: '2025-02-01', to: '2025-01-01' })).toThrow(
      expect.objectContaining({ fieldErrors: { to: ['audit.error.range'] } }),
    );
    // The same day as both bounds is a valid range: "to" covers the whole day.
    expect(parseAuditQuery({ from: '2025-02-01', to: '2025-02-01' }).filters.to?.toISOString()).toBe('2025-02-02T00:00:00.000Z');
    expect(() => parseAuditQuery({ before: '5', after: '9' })).toThrow(
      expect.objectContaining({ fieldErrors: { before: ['audit.error.twoCursors'] } }),
    );
  });
});

describe('parseTimeBound', () => {
  it('reads dates as UTC and an end bound as the end of the unit written', () => {
    expect(parseTimeBound('2025-03-01', false)?.toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(parseTimeBound('2025-03-01', true)?.toISOString()).toBe('2025-03-02T00:00:00.000Z');
    expect(parseTimeBound('2025-03-01T14:30', true)?.toISOString()).toBe('2025-03-01T14:31:00.000Z');
    expect(parseTimeBound('2025-03-01T14:30:05', true)?.toISOString()).toBe('2025-03-01T14:30:06.000Z');
    expect(parseTimeBound('2025-03-01T14:30+02:00', false)?.toISOString()).toBe('2025-03-01T12:30:00.000Z');
  });

  it('refuses impossible dates', () => {
    expect(parseTimeBound('2025-02-30', false)).toBeNull();
    expect(parseTimeBound('2025-13-01', false)).toBeNull();
    expect(parseTimeBound('2025-01-01T25:00', false)).toBeNull();
    expect(parseTimeBound('soon', false)).toBeNull();
  });
});
