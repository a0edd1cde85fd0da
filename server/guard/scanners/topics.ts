import { type ScanOutcome, type Span } from './types';

export interface TopicsParams {
  topics: readonly { name: string; keywords: readonly string[] }[];
  /** Distinct keywords of one topic that must occur before the topic counts. */
  minMatches: number;
}

const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const compiled = new Map<string, RegExp>();

function topicPattern(keywords: readonly string[]): RegExp {
  const key = JSON.stringify(keywords);
  let re = compiled.get(key);
  if (!re) {
    // "sprengstoff*" also matches German compounds such as "Sprengstoffgürtel".
    const body = [...new Set(keywords)]
      .filter((k) => k.replace(/\*$/, '').length > 0)
      .sort((a, b) => b.length - a.length)
      .map((k) => (k.endsWith('*') ? `${escape(k.slice(0, -1))}[\\p{L}\\p{N}]{0,40}` : escape(k)))
      .join('|');
    re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${body})(?![\\p{L}\\p{N}_])`, 'giu');
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

/** The `topics` check: keyword lists per topic, whole words, case-insensitive. */
export function scanTopics(text: string, params: TopicsParams): ScanOutcome {
  const spans: Span[] = [];
  const hits: Record<string, number> = {};
  for (const topic of params.topics) {
    if (topic.keywords.length === 0) continue;
    const found = new Set<string>();
    const topicSpans: Span[] = [];
    for (const m of text.matchAll(topicPattern(topic.keywords))) {
      found.add(m[0].toLowerCase());
      topicSpans.push({ start: m.index, end: m.index + m[0].length, kind: `topic:${topic.name}` });
    }
    if (found.size >= params.minMatches) {
      hits[topic.name] = found.size;
      spans.push(...topicSpans);
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const detected = Object.keys(hits).length > 0;
  return { detected, score: detected ? 1 : 0, spans, details: { topics: hits } };
}
