/** "8 B", "350 M": parameter counts as people say them. */
export function formatParams(n: number): string {
  if (n >= 1e12) return `${Math.round(n / 1e11) / 10} T`;
  if (n >= 1e9) return `${Math.round(n / 1e8) / 10} B`;
  if (n >= 1e6) return `${Math.round(n / 1e5) / 10} M`;
  return String(n);
}

/** Bytes in GiB/MiB with one decimal. */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${Math.round((n / 1024 ** 3) * 10) / 10} GiB`;
  if (n >= 1024 ** 2) return `${Math.round((n / 1024 ** 2) * 10) / 10} MiB`;
  return `${n} B`;
}

// Building an Intl formatter costs far more than using one (≈0.5 ms each): a table of 50
// rows would spend tens of milliseconds of server rendering on it. One per locale, reused.
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** Date and time in the reader's language, in UTC (same text on server and browser), zone stated. */
export function formatWhen(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  let format = dateTimeFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    dateTimeFormats.set(locale, format);
  }
  return `${format.format(new Date(iso))} UTC`;
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A whole number with the reader's grouping. */
export function formatCount(n: number, locale: string): string {
  let format = numberFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale);
    numberFormats.set(locale, format);
  }
  return format.format(n);
}
