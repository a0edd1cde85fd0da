/*
 * GDPR deadlines as the law counts them. Art. 12(3): one month from receipt, extendable by
 * two further months. Regulation (EEC, Euratom) No 1182/71, Art. 3(1) and 3(2)(c): the day
 * of receipt is not counted, and a period in months ends on the day of the last month that
 * has the same date as the day of receipt — or, when that month has no such date, on its
 * last day. Dates are calendar dates (YYYY-MM-DD), never instants, so no time zone moves
 * a deadline. Art. 3(4) (a period ending on a holiday or weekend moves to the next working
 * day) is deliberately not applied: holidays differ per member state, and the earlier date
 * never makes a controller late.
 */
import { msg, privacyMessages as pm } from './messages';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parts(date: string): { y: number; m: number; d: number } {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) throw new RangeError(`no such date: ${date}`);
  return { y, m, d };
}

function format(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Days in month `m` (1–12) of year `y`, Gregorian leap years. */
export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** True for a valid calendar date written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  try {
    parts(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The end of a period of `months` months starting on `date` (Reg. 1182/71 Art. 3(2)(c)):
 * the same date `months` later, or the last day of that month when it has no such date.
 */
export function addMonths(date: string, months: number): string {
  const { y, m, d } = parts(date);
  const index = y * 12 + (m - 1) + months;
  const ty = Math.floor(index / 12);
  const tm = (index % 12) + 1;
  return format(ty, tm, Math.min(d, daysInMonth(ty, tm)));
}

/** The Art. 12(3) deadline of a request received on `receivedOn`: one month. */
export function erasureDeadline(receivedOn: string): string {
  return addMonths(receivedOn, 1);
}

/**
 * The extended deadline: two further months counted from the first deadline. That is never
 * later than three months from receipt (31 Jan → 28 Feb → 28 Apr, not 30 Apr): the
 * conservative reading of "extended by two further months".
 */
export function extendedDeadline(receivedOn: string): string {
  return addMonths(erasureDeadline(receivedOn), 2);
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const a = parts(from);
  const b = parts(to);
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000);
}

/** Today's calendar date in UTC (YYYY-MM-DD). */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export type ExtensionCheck = { ok: true; extendedDueOn: string } | { ok: false; field: 'reason' | 'noticeOn'; message: string };

/**
 * Checks an extension: it needs a reason, and the requester must have been told within
 * the first month (Art. 12(3) sentence 3), i.e. on or after receipt and by the deadline.
 */
export function checkExtension(input: { receivedOn: string; reason: string; noticeOn: string }): ExtensionCheck {
  if (input.reason.trim().length < 10) {
    return { ok: false, field: 'reason', message: pm.extensionReason };
  }
  if (!isCalendarDate(input.noticeOn)) return { ok: false, field: 'noticeOn', message: pm.dateFormat };
  const due = erasureDeadline(input.receivedOn);
  if (daysBetween(input.receivedOn, input.noticeOn) < 0) {
    return { ok: false, field: 'noticeOn', message: pm.noticeBeforeReceipt };
  }
  if (daysBetween(input.noticeOn, due) < 0) {
    return { ok: false, field: 'noticeOn', message: msg(pm.noticeTooLate, { due }) };
  }
  return { ok: true, extendedDueOn: extendedDeadline(input.receivedOn) };
}
