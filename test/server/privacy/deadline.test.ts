import { describe, expect, it } from 'vitest';
import {
  addMonths,
  checkExtension,
  daysBetween,
  erasureDeadline,
  extendedDeadline,
  isCalendarDate,
} from '../../../server/privacy/deadline';

describe('erasureDeadline (Art. 12(3) counted per Regulation 1182/71)', () => {
  it.each([
    ['2025-01-15', '2025-02-15', 'the same date of the next month'],
    ['2025-01-31', '2025-02-28', '31 Jan ends on the last day of a 28-day February'],
    ['2024-01-31', '2024-02-29', '31 Jan ends on 29 Feb in a leap year'],
    ['2024-01-29', '2024-02-29', '29 Jan in a leap year has a same date'],
    ['2025-01-29', '2025-02-28', '29 Jan in a common year has none'],
    ['2025-01-30', '2025-02-28', '30 Jan has none either'],
    ['2025-03-31', '2025-04-30', '31 Mar ends on 30 Apr'],
    ['2025-08-31', '2025-09-30', '31 Aug ends on 30 Sep'],
    ['2025-12-15', '2026-01-15', 'crosses the year'],
    ['2025-12-31', '2026-01-31', '31 Dec has a same date in January'],
    ['2025-02-28', '2025-03-28', 'the end of February is not treated as a month end (same date, not last day)'],
    ['2024-02-29', '2024-03-29', '29 Feb of a leap year'],
    ['2100-01-31', '2100-02-28', '2100 is not a leap year (divisible by 100)'],
    ['2000-01-31', '2000-02-29', '2000 is a leap year (divisible by 400)'],
  ])('received %s → due %s (%s)', (received, due) => {
    expect(erasureDeadline(received)).toBe(due);
  });

  it('refuses a date that does not exist instead of rolling it over', () => {
    expect(() => erasureDeadline('2025-02-29')).toThrow(RangeError);
    expect(() => erasureDeadline('2025-13-01')).toThrow(RangeError);
    expect(() => erasureDeadline('31.01.2025')).toThrow(RangeError);
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
  });
});

describe('addMonths', () => {
  it('counts each period from the date of the event, not by chaining clamped months', () => {
    expect(addMonths('2025-01-31', 3)).toBe('2025-04-30');
    expect(addMonths('2025-01-31', 2)).toBe('2025-03-31');
    expect(addMonths('2025-11-30', 3)).toBe('2026-02-28');
    expect(addMonths('2023-11-30', 3)).toBe('2024-02-29');
  });
});

describe('extendedDeadline', () => {
  it('adds two further months to the first deadline (conservative: 31 Jan → 28 Feb → 28 Apr)', () => {
    expect(extendedDeadline('2025-01-31')).toBe('2025-04-28');
    expect(extendedDeadline('2024-01-31')).toBe('2024-04-29');
    expect(extendedDeadline('2025-03-10')).toBe('2025-06-10');
    expect(extendedDeadline('2025-11-30')).toBe('2026-02-28');
  });

  it('is never later than three months from receipt', () => {
    for (let day = 0; day < 800; day++) {
      const received = new Date(Date.UTC(2023, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
      expect(daysBetween(extendedDeadline(received), addMonths(received, 3))).toBeGreaterThanOrEqual(0);
      expect(daysBetween(received, erasureDeadline(received))).toBeGreaterThanOrEqual(28);
      expect(daysBetween(received, erasureDeadline(received))).toBeLessThanOrEqual(31);
    }
  });
});

describe('checkExtension', () => {
  const base = { receivedOn: '2025-01-31', reason: 'Many stores, complex processing across tenants' };

  it('accepts a notice on the last day of the first month', () => {
    expect(checkExtension({ ...base, noticeOn: '2025-02-28' })).toEqual({ ok: true, extendedDueOn: '2025-04-28' });
  });

  it('refuses a notice after the first month', () => {
    const result = checkExtension({ ...base, noticeOn: '2025-03-01' });
    expect(result).toMatchObject({ ok: false, field: 'noticeOn' });
  });

  it('refuses a notice before receipt, and a missing reason', () => {
    expect(checkExtension({ ...base, noticeOn: '2025-01-30' })).toMatchObject({ ok: false, field: 'noticeOn' });
    expect(checkExtension({ ...base, reason: ' ', noticeOn: '2025-02-01' })).toMatchObject({ ok: false, field: 'reason' });
  });
});
