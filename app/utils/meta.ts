import type { MetaDescriptor, MetaFunction } from '@remix-run/react';
import { type Locale, defaultLocale } from '~/i18n/locale';
import type { MessageKey } from '~/i18n/messages';
import { translate } from '~/i18n/use-t';

type Matches = Parameters<MetaFunction>[0]['matches'];

/** A part of a page title: plain text (a name from the data), or a message in the page's language. */
export type TitlePart = string | { key: MessageKey; vars?: Record<string, string | number> };

/** The language the root loader chose for this page (its data holds the shell's locale). */
function localeOf(matches: Matches): Locale {
  const root = matches.find((match) => match.id === 'root')?.data as { locale?: Locale } | undefined;
  return root?.locale ?? defaultLocale;
}

/**
 * The page's `<title>`: most specific first, then "Leitstand" ("qwen-7b · Models ·
 * Leitstand"), in the page's language. Missing parts (no data on an error page) are left out.
 */
export function pageTitle(matches: Matches, ...parts: (TitlePart | null | undefined | false)[]): MetaDescriptor[] {
  const locale = localeOf(matches);
  const text = parts
    .filter((part): part is TitlePart => Boolean(part))
    .map((part) => (typeof part === 'string' ? part : translate(locale, part.key, part.vars)));
  return [{ title: [...text, 'Leitstand'].join(' · ') }];
}
