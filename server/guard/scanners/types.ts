/** A finding in the scanned text: UTF-16 offsets [start, end) and what was found. */
export interface Span {
  start: number;
  end: number;
  kind: string;
}

/** What one scanner reports for one text, before the policy's action turns it into a verdict. */
export interface ScanOutcome {
  detected: boolean;
  /** 0 = nothing found … 1 = certain. */
  score: number;
  spans: Span[];
  details?: Record<string, unknown>;
}

/**
 * Keeps the spans that overlap neither a span in `taken` (already kept, non-overlapping)
 * nor an earlier kept one; among overlapping candidates the one starting first (then the
 * longest) wins. O(n log n): thousands of findings in a hostile text stay cheap.
 */
export function withoutOverlaps(spans: readonly Span[], taken: readonly Span[] = []): Span[] {
  const blocked = [...taken].sort((a, b) => a.start - b.start);
  const candidates = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  let lastEnd = -1;
  for (const span of candidates) {
    if (span.start < lastEnd) continue;
    // First blocked span ending after this one starts (ends ascend with starts).
    let lo = 0;
    let hi = blocked.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (blocked[mid]!.end <= span.start) lo = mid + 1;
      else hi = mid;
    }
    if (lo < blocked.length && blocked[lo]!.start < span.end) continue;
    kept.push(span);
    lastEnd = span.end;
  }
  return kept;
}
