import { createContext, useCallback, useContext } from 'react';
import { type Locale, defaultLocale } from './locale';
import { type MessageKey, catalogs } from './messages';

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export const LocaleContext = createContext<Locale>(defaultLocale);

/** Formats a message from the catalog of `locale`, filling `{name}` placeholders. */
export function translate(locale: Locale, key: MessageKey, vars?: Record<string, string | number>): string {
  const template = catalogs[locale][key] ?? catalogs.en[key] ?? key;
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** The translate function for the current language. */
export function useT(): Translate {
  const locale = useContext(LocaleContext);
  return useCallback<Translate>((key, vars) => translate(locale, key, vars), [locale]);
}

export function useLocale(): Locale {
  return useContext(LocaleContext);
}
