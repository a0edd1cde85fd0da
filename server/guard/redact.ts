import { type Span } from './scanners/types';

const placeholders: Record<string, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  iban: '[IBAN]',
  'payment-card': '[CARD]',
  'tax-id': '[TAX_ID]',
  'id-card': '[ID_CARD]',
  passport: '[PASSPORT]',
  'ip-address': '[IP]',
  // Hidden characters are removed, not labelled: a label would add text the user never saw.
  invisible: '',
  'banned-substring': '[REDACTED]',
  regex: '[REDACTED]',
};

/** The typed placeholder that replaces a span of this kind. */
export function placeholderFor(kind: string): string {
  if (kind in placeholders) return placeholders[kind]!;
  if (kind.startsWith('topic:')) return '[TOPIC]';
  if (/^(?:sql|shell|html)-/.test(kind)) return '[CODE]';
  if (
    ['instruction-override', 'persona-switch', 'jailbreak-marker', 'mode-switch', 'prompt-extraction', 'template-smuggling',
      'role-prefix', 'guardrail-bypass', 'authority-claim', 'indirect-instruction', 'exfiltration', 'obfuscation'].includes(kind)
  ) {
    return '[INJECTION]';
  }
  return '[SECRET]';
}

/** Merges overlapping spans; the merged span keeps the kind of its earliest (then longest) member. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) {
      last.end = Math.max(last.end, span.end);
      // A visible label wins over silent removal when both cover the same text.
      if (placeholderFor(last.kind) === '' && placeholderFor(span.kind) !== '') last.kind = span.kind;
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}

/** Replaces each (merged) span with its typed placeholder, e.g. "[EMAIL]". */
export function redact(text: string, spans: readonly Span[]): string {
  let out = '';
  let at = 0;
  for (const span of mergeSpans(spans)) {
    out += text.slice(at, span.start) + placeholderFor(span.kind);
    at = span.end;
  }
  return out + text.slice(at);
}
