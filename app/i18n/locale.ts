export const locales = ['en', 'de'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'en';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/** Picks the best supported language from an Accept-Language header (q-values honoured). */
export function negotiateLocale(acceptLanguage: string | null | undefined): Locale {
  if (!acceptLanguage) return defaultLocale;
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.tag && !Number.isNaN(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const base = tag.split('-')[0];
    if (isLocale(base)) return base;
  }
  return defaultLocale;
}

/** The language for a request: the user's choice, then the `lang` cookie, then Accept-Language. */
export function localeFor(request: Request, userLocale?: string | null): Locale {
  if (isLocale(userLocale)) return userLocale;
  const cookie = request.headers.get('cookie') ?? '';
  const match = /(?:^|;\s*)lang=(en|de)(?:;|$)/.exec(cookie);
  if (match && isLocale(match[1])) return match[1];
  return negotiateLocale(request.headers.get('accept-language'));
}
