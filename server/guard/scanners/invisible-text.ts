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

// Where a match can start: a character UNUSUAL accepts (every hidden character and every
// emoji component but four), or one of the four pictographs UNUSUAL lets through (© ® ‼ ⁉)
// right before one. The full pattern's Unicode-set classes make V8 slow at stepping over
// ordinary text (~0.7 ms per 16 KB), so it is tried sticky only at those positions, in
// text order, exactly where a global scan finds its matches. Scripts outside Latin (every
// character unusual, most starting nothing) would make that slower than the plain scan:
// after 32 candidates that start nothing, the global scan takes over from where it is.
const UNUSUAL_ALL = new RegExp(UNUSUAL.source, 'gu');
const GLOBAL_WITH_EMOJI = new RegExp(WITH_EMOJI.source, 'gv');
const GLOBAL_STRICT = new RegExp(STRICT.source, 'gv');
const STICKY_WITH_EMOJI = new RegExp(WITH_EMOJI.source, 'vy');
const STICKY_STRICT = new RegExp(STRICT.source, 'vy');
const MAX_MISSES = 32;
const isUsualPictograph = (c: number) => c === 0xa9 || c === 0xae || c === 0x203c || c === 0x2049;

/** The next match at or after `from` (a code point boundary) as a global scan finds it. */
function nextHidden(text: string, from: number, sticky: RegExp, global: RegExp, misses: { count: number }): RegExpExecArray | null {
  while (misses.count < MAX_MISSES) {
    UNUSUAL_ALL.lastIndex = from;
    const next = UNUSUAL_ALL.exec(text);
    if (next === null) return null;
    const u = next.index;
    for (let at = u > from && isUsualPictograph(text.charCodeAt(u - 1)) ? u - 1 : u; at <= u; at++) {
      sticky.lastIndex = at;
      const m = sticky.exec(text);
      if (m !== null) return m;
    }
    misses.count++;
    from = u + next[0].length; // nothing starts at u: the scan moves on by one code point
  }
  global.lastIndex = from;
  return global.exec(text);
}

/** The `invisible-text` check: characters a reader cannot see but a model reads. */
export function scanInvisibleText(text: string, params: InvisibleTextParams): ScanOutcome {
  const spans: Span[] = [];
  const codePoints = new Set<string>();
  let characters = 0;
  if (!UNUSUAL.test(text)) return { detected: false, score: 0, spans, details: { characters, codePoints: [] } };
  const sticky = params.allowEmojiSequences ? STICKY_WITH_EMOJI : STICKY_STRICT;
  const global = params.allowEmojiSequences ? GLOBAL_WITH_EMOJI : GLOBAL_STRICT;
  const misses = { count: 0 };
  for (let m = nextHidden(text, 0, sticky, global, misses); m !== null; m = nextHidden(text, m.index + m[0].length, sticky, global, misses)) {
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
