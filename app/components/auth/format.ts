/**
 * Dates as the reader's language writes them, in UTC: server and browser render the same
 * text (no hydration mismatch), and the zone is stated.
 */
export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
}

export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso));
}
