import { describe, expect, it } from 'vitest';
import { formatBytes, formatDate, formatDateTime, formatNumber, formatQuantity } from '~/i18n/format';
import { formatParams } from '~/components/models/format';

/* Numbers and dates as each language writes them: German with a decimal comma and dots between thousands. */

describe('formatNumber', () => {
  it('writes decimals and thousands the German way in German', () => {
    expect(formatNumber(3.43, 'de')).toBe('3,43');
    expect(formatNumber(1_000_000, 'de')).toBe('1.000.000');
    expect(formatNumber(0.82, 'de', { min: 2, max: 2 })).toBe('0,82');
  });

  it('writes them the English way in English', () => {
    expect(formatNumber(3.43, 'en')).toBe('3.43');
    expect(formatNumber(1_000_000, 'en')).toBe('1,000,000');
    expect(formatNumber(0.8, 'en', { min: 2, max: 2 })).toBe('0.80');
  });

  it('rounds to the fraction digits asked for', () => {
    expect(formatNumber(3.456, 'de', { max: 2 })).toBe('3,46');
    expect(formatNumber(2, 'de', { max: 2 })).toBe('2');
  });
});

describe('formatBytes and formatQuantity', () => {
  it('shows sizes in binary units with one decimal in the reader’s language', () => {
    const size = 131.4 * 1024 ** 3;
    expect(formatBytes(size, 'de')).toBe('131,4 GiB');
    expect(formatBytes(size, 'en')).toBe('131.4 GiB');
    expect(formatBytes(512 * 1024 ** 2, 'de')).toBe('512 MiB');
  });

  it('shows a memory quota in GiB rather than bytes, and CPU as a plain number', () => {
    expect(formatQuantity('requests.memory', 68_719_476_736, 'de')).toBe('64 GiB');
    expect(formatQuantity('requests.memory', 274_877_906_944, 'en')).toBe('256 GiB');
    expect(formatQuantity('requests.cpu', 3.5, 'de')).toBe('3,5');
    expect(formatQuantity('requests.nvidia.com/gpu', 8, 'de')).toBe('8');
  });

  it('writes parameter counts with the reader’s decimal sign', () => {
    expect(formatParams(1.5e9, 'de')).toBe('1,5 B');
    expect(formatParams(8e9, 'en')).toBe('8 B');
  });
});

describe('formatDateTime and formatDate', () => {
  const iso = '2026-11-22T04:26:12.618Z';

  it('writes a time in the German way, in UTC with the zone stated', () => {
    expect(formatDateTime(iso, 'de')).toBe('22.11.2026, 04:26 UTC');
    expect(formatDateTime(iso, 'de', { seconds: true })).toBe('22.11.2026, 04:26:12 UTC');
  });

  it('writes it the English way in English', () => {
    expect(formatDateTime(iso, 'en')).toBe('Nov 22, 2026, 4:26 AM UTC');
  });

  it('writes calendar dates (YYYY-MM-DD) without shifting the day', () => {
    expect(formatDate('2024-07-23', 'de')).toBe('23.07.2024');
    expect(formatDate('2024-07-23', 'en')).toBe('Jul 23, 2024');
  });

  it('leaves empty and unreadable values alone', () => {
    expect(formatDateTime(null, 'de')).toBe('');
    expect(formatDate('not a date', 'de')).toBe('not a date');
  });
});
