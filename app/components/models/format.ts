import { formatNumber } from '~/i18n/format';

/** "8 B", "1,5 B": parameter counts as people say them, with the reader's decimal sign. */
export function formatParams(n: number, locale: string): string {
  if (n >= 1e12) return `${formatNumber(n / 1e12, locale, { max: 1 })} T`;
  if (n >= 1e9) return `${formatNumber(n / 1e9, locale, { max: 1 })} B`;
  if (n >= 1e6) return `${formatNumber(n / 1e6, locale, { max: 1 })} M`;
  return formatNumber(n, locale);
}
