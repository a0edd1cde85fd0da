import { createContext, useCallback, useContext } from 'react';
import { type Locale, defaultLocale } from './locale';
import { type MessageKey, catalogs, isMessageKey, parseServerMessage } from './messages';

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export const LocaleContext = createContext<Locale>(defaultLocale);

const pluralRules = new Map<Locale, Intl.PluralRules>();

// `{n, plural, one {# model} other {# models}}`: a small subset of ICU MessageFormat. A branch
// is `=<number>` or a plural category; `#` stands for the number; branches may hold `{name}`.
const pluralPattern = /\{(\w+), plural,((?:\s*(?:=\d+|\w+)\s*\{(?:[^{}]|\{\w+\})*\})+)\s*\}/g;
const branchPattern = /(=\d+|\w+)\s*\{((?:[^{}]|\{\w+\})*)\}/g;

function selectPlural(locale: Locale, value: number, branches: string): string | null {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  const found = new Map([...branches.matchAll(branchPattern)].map((m) => [m[1]!, m[2]!]));
  const text = found.get(`=${value}`) ?? found.get(rules.select(value)) ?? found.get('other');
  return text === undefined ? null : text.replace(/#/g, String(value));
}

/**
 * Formats a message from the catalog of `locale`, filling `{name}` placeholders and choosing
 * plural forms (`{n, plural, one {…} other {…}}`, by the language's Intl.PluralRules).
 */
export function translate(locale: Locale, key: MessageKey, vars?: Record<string, string | number>): string {
  const template = catalogs[locale][key] ?? catalogs.en[key] ?? key;
  if (!vars) return template;
  const plural = template.replace(pluralPattern, (whole, name: string, branches: string) => {
    const value = Number(vars[name]);
    if (!(name in vars) || !Number.isFinite(value)) return whole;
    return selectPlural(locale, value, branches) ?? whole;
  });
  return plural.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

const numberFormats = new Map<Locale, Intl.NumberFormat>();

function formatNumber(locale: Locale, value: string): string {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) return value;
  let format = numberFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 });
    numberFormats.set(locale, format);
  }
  return format.format(n);
}

/**
 * Translates a server message (a key with optional query-form variables, see
 * parseServerMessage); plain text passes through. Variables named in `_n` are numbers, shown
 * with the reader's digit grouping; a variable that is itself a server message is translated;
 * variables named in `_l` (`_s`) are newline-separated messages, each translated, joined
 * with ", " (" ").
 */
export function translateServerMessage(locale: Locale, message: string, extra?: Record<string, string | number>): string {
  const parsed = parseServerMessage(message);
  if (!parsed) return extra ? translate(locale, message as MessageKey, extra) : message;
  const vars: Record<string, string | number> = { ...extra };
  const names = (v: string | undefined) => new Set((v ?? '').split(',').filter(Boolean));
  const numbers = names(parsed.vars._n);
  const lists = names(parsed.vars._l);
  const sentenceLists = names(parsed.vars._s);
  const item = (value: string) => (isMessageKey(value) ? translate(locale, value) : translateServerMessage(locale, value));
  for (const [name, value] of Object.entries(parsed.vars)) {
    if (name === '_n' || name === '_l' || name === '_s') continue;
    if (lists.has(name) || sentenceLists.has(name)) vars[name] = value.split('\n').filter(Boolean).map(item).join(lists.has(name) ? ', ' : ' ');
    else if (numbers.has(name)) vars[name] = formatNumber(locale, value);
    else if (isMessageKey(value)) vars[name] = translate(locale, value);
    else vars[name] = parseServerMessage(value) ? translateServerMessage(locale, value) : value;
  }
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
