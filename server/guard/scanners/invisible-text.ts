import { type ScanOutcome, type Span } from './types';

export interface InvisibleTextParams {
  /** Keep the zero-width joiner and tag characters inside emoji sequences (👨‍👩‍👧, 🏴 flags). */
  allowEmojiSequences: boolean;
}

// Format (Cf), private-use (Co), unassigned (Cn) and control (Cc) characters except tab,
// line feed and carriage return; plus variation selectors used to smuggle data behind an
// emoji (runs of them, or any from the supplement block). Matched as runs, one match each.
// (Built with the constructor: the `v` flag's set subtraction postdates the TS target.)
const HIDDEN = '(?:[[\\p{Cf}\\p{Co}\\p{Cn}\\p{Cc}]--[\\t\\n\\r]]|[\\u{E0100}-\\u{E01EF}]|[\\uFE00-\\uFE0F]{2,})+';
// Emoji sequences that legitimately use such characters: a zero-width joiner between two
// pictographs (optionally after a skin tone or emoji presentation selector), and the tag
// letters of a subdivision flag (🏴 + tags + CANCEL TAG). The first alternative consumes
// them, so they never reach the hidden-character alternative.
const EMOJI_SEQUENCE =
  '\\p{Extended_Pictographic}(?:\\uFE0F|[\\u{1F3FB}-\\u{1F3FF}])?(?:\\u200D\\p{Extended_Pictographic}(?:\\uFE0F|[\\u{1F3FB}-\\u{1F3FF}])?)+|\\u{1F3F4}[\\u{E0020}-\\u{E007E}]{1,16}\\u{E007F}';
const WITH_EMOJI = new RegExp(`(${EMOJI_SEQUENCE})|${HIDDEN}`, 'gv');
const STRICT = new RegExp(HIDDEN, 'gv');
// Cheap first look: printable ASCII, Latin letters (without the soft hyphen) and typographic
// punctuation and currency signs cannot hide anything; most prompts are only that.
const UNUSUAL = /[^\t\n\r\x20-\x7E\xA0-\xAC\xAE-\u024F\u2010-\u2027\u2030-\u205E\u20A0-\u20C0]/;

/** The `invisible-text` check: characters a reader cannot see but a model reads. */
export function scanInvisibleText(text: string, params: InvisibleTextParams): ScanOutcome {
  const spans: Span[] = [];
  const codePoints = new Set<string>();
  let characters = 0;
  if (!UNUSUAL.test(text)) return { detected: false, score: 0, spans, details: { characters, codePoints: [] } };
  for (const m of text.matchAll(new RegExp(params.allowEmojiSequences ? WITH_EMOJI : STRICT))) {
    if (m[1] !== undefined) continue; // an emoji sequence, allowed
    spans.push({ start: m.index, end: m.index + m[0].length, kind: 'invisible' });
    characters += m[0].length;
    for (const ch of m[0]) {
      if (codePoints.size >= 20) break;
      codePoints.add(`U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
    }
  }
  return {
    detected: spans.length > 0,
    score: spans.length > 0 ? 1 : 0,
    spans,
    details: { characters, codePoints: [...codePoints] },
  };
}
