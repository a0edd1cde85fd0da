import { type ScanOutcome, type Span } from './types';

export interface BanSubstringsParams {
  substrings: readonly string[];
  /** `str`: anywhere; `word`: only as a whole word. */
  matchType: 'str' | 'word';
  caseSensitive: boolean;
  /** Flag only when every substring occurs. */
  containsAll: boolean;
}

const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

const compiled = new Map<string, RegExp>();

/**
 * One alternation of escaped literals, longest first. Literal alternations have no
 * nested quantifiers, so V8 matches them without backtracking blow-ups.
 */
export function literalAlternation(words: readonly string[], wholeWord: boolean, caseSensitive: boolean): RegExp {
  const key = JSON.stringify([words, wholeWord, caseSensitive]);
  let re = compiled.get(key);
  if (!re) {
    const body = [...new Set(words)].sort((a, b) => b.length - a.length).map(escape).join('|');
    const source = wholeWord ? `(?<![\\p{L}\\p{N}_])(?:${body})(?![\\p{L}\\p{N}_])` : `(?:${body})`;
    re = new RegExp(source, caseSensitive ? 'gu' : 'giu');
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

/** The `ban-substrings` check. */
export function scanBanSubstrings(text: string, params: BanSubstringsParams): ScanOutcome {
  const words = params.substrings.filter((s) => s.length > 0);
  if (words.length === 0) return { detected: false, score: 0, spans: [] };
  const spans: Span[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(literalAlternation(words, params.matchType === 'word', params.caseSensitive))) {
    spans.push({ start: m.index, end: m.index + m[0].length, kind: 'banned-substring' });
    seen.add(params.caseSensitive ? m[0] : m[0].toLowerCase());
  }
  const distinct = new Set(words.map((w) => (params.caseSensitive ? w : w.toLowerCase())));
  const detected = params.containsAll ? [...distinct].every((w) => seen.has(w)) : spans.length > 0;
  return { detected, score: detected ? 1 : 0, spans: detected ? spans : [], details: { matched: seen.size } };
}
