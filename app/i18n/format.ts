import { useContext, useMemo } from 'react';
import { LocaleContext } from './use-t';

// The one place numbers and dates become text a person reads. Dates are shown in UTC so that
// server and browser render the same text (no hydration mismatch), with the zone stated;
// machine-readable attributes (<time dateTime>) keep ISO.
//
// Building an Intl formatter costs far more than using one (≈0.5 ms each): a table of 50
// rows would spend tens of milliseconds of server rendering on it. One per locale and
// options, reused.
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(locale: string, digits: { min?: number; max?: number }): Intl.NumberFormat {
  const id = `n|${locale}|${digits.min ?? ''}|${digits.max ?? ''}`;
  let format = cache.get(id) as Intl.NumberFormat | undefined;
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      ...(digits.min !== undefined ? { minimumFractionDigits: digits.min } : {}),
      maximumFractionDigits: digits.max ?? 3,
    });
    cache.set(id, format);
  }
  return format;
}

function dateFormat(locale: string, kind: 'dateTime' | 'date' | 'seconds'): Intl.DateTimeFormat {
  const id = `d|${locale}|${kind}`;
  let format = cache.get(id) as Intl.DateTimeFormat | undefined;
  if (!format) {
    format = new Intl.DateTimeFormat(
      locale,
      kind === 'date'
        ? { dateStyle: 'medium', timeZone: 'UTC' }
        : { dateStyle: 'medium', timeStyle: kind === 'seconds' ? 'medium' : 'short', timeZone: 'UTC' },
    );
    cache.set(id, format);
  }
  return format;
}

export interface NumberOptions {
  /** Fraction digits at most (default 3). */
  max?: number;
  /** Fraction digits at least (e.g. 2 for scores: "0,80"). */
  min?: number;
}

/** A number with the reader's decimal sign and digit grouping: "1.000.000", "3,43". */
export function formatNumber(n: number, locale: string, options: NumberOptions = {}): string {
  if (!Number.isFinite(n)) return String(n);
  return numberFormat(locale, options).format(n);
}

/** Date and time in the reader's language, in UTC, zone stated: "22.11.2026, 04:26 UTC". */
export function formatDateTime(iso: string | null | undefined, locale: string, options: { seconds?: boolean } = {}): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${dateFormat(locale, options.seconds ? 'seconds' : 'dateTime').format(date)} UTC`;
}

/** A calendar date ("2026-11-22" or a full ISO time) in the reader's language: "22.11.2026". */
export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat(locale, 'date').format(date);
}

/** Bytes in GiB/MiB with one decimal at most: "131,4 GiB". */
export function formatBytes(n: number, locale: string): string {
  if (n >= 1024 ** 4) return `${formatNumber(n / 1024 ** 4, locale, { max: 1 })} TiB`;
  if (n >= 1024 ** 3) return `${formatNumber(n / 1024 ** 3, locale, { max: 1 })} GiB`;
  if (n >= 1024 ** 2) return `${formatNumber(n / 1024 ** 2, locale, { max: 1 })} MiB`;
  return `${formatNumber(n, locale)} B`;
}

/**
 * A Kubernetes quota amount as a person reads it: memory and storage in binary units
 * ("64 GiB"), everything else as a plain number ("3,5" cores, "8" GPUs).
 */
export function formatQuantity(resource: string, value: number, locale: string): string {
  if (/memory|storage/.test(resource)) return formatBytes(value, locale);
  return formatNumber(value, locale, { max: 3 });
}

/** The formatters bound to the page's language. */
export function useFormat() {
  const locale = useContext(LocaleContext);
  return useMemo(
    () => ({
      locale,
      number: (n: number, options?: NumberOptions) => formatNumber(n, locale, options),
      dateTime: (iso: string | null | undefined, options?: { seconds?: boolean }) => formatDateTime(iso, locale, options),
      date: (iso: string | null | undefined) => formatDate(iso, locale),
      bytes: (n: number) => formatBytes(n, locale),
      quantity: (resource: string, value: number) => formatQuantity(resource, value, locale),
    }),
    [locale],
  );
}
