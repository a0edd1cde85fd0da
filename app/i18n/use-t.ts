import { createContext, useCallback, useContext } from 'react';
import { type Locale, defaultLocale } from './locale';
import { type MessageKey, catalogs, isMessageKey, parseServerMessage } from './messages';

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

/** Translates a server message (a key with optional query-form variables, see parseServerMessage); plain text passes through. */
export function translateServerMessage(locale: Locale, message: string, extra?: Record<string, string | number>): string {
  const parsed = parseServerMessage(message);
  if (!parsed) return extra ? translate(locale, message as MessageKey, extra) : message;
  const vars: Record<string, string | number> = { ...extra };
  for (const [name, value] of Object.entries(parsed.vars)) vars[name] = isMessageKey(value) ? translate(locale, value) : value;
  const text = translate(locale, parsed.key, vars);
  return typeof vars._at === 'string' && vars._at ? `${vars._at}: ${text}` : text;
}

/** The translate function for the current language. */
export function useT(): Translate {
  const locale = useContext(LocaleContext);
  return useCallback<Translate>((key, vars) => translate(locale, key, vars), [locale]);
}

export function useLocale(): Locale {
  return useContext(LocaleContext);
}
