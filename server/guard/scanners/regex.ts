import type * as Regexpp from '@eslint-community/regexpp';
import type { AST } from '@eslint-community/regexpp';
import { lazyModule } from '../../core/lazy';
import { RE2JS } from 're2js';
import { type ScanOutcome, type Span } from './types';

/**
 * User-supplied regular expressions, defended twice:
 *
 * 1. Leitstand runs them with RE2 (re2js), an automaton engine whose time is linear in the
 *    input whatever the pattern, so no pattern can stall the playground.
 * 2. The same patterns are published to LLM Guard, whose Regex scanner uses Python's
 *    backtracking `re`. Validation therefore rejects what backtracks exponentially there —
 *    a variable quantifier inside another (`(a+)+`, `(\w*\s?)*`) — and constructs Python
 *    or RE2 do not share (lookaround, backreferences, named groups, `\p{…}`), so a pattern
 *    means the same thing in both places.
 *
 * A length cap alone would not help: `(a+)+b` needs seconds on 30 characters in a
 * backtracking engine, so validation plus a linear engine is the defence, and the cap on
 * pattern length (500) and count (50) only bounds compile time and memory.
 */
export const MAX_PATTERN_LENGTH = 500;
export const MAX_PATTERNS = 50;

export interface RegexParams {
  patterns: readonly string[];
  caseSensitive: boolean;
}

// Loaded when the first pattern is checked (a policy save), not when the server starts.
const regexpp = lazyModule<typeof Regexpp>('@eslint-community/regexpp');
let parser: Regexpp.RegExpParser | undefined;
const getParser = () => (parser ??= new (regexpp().RegExpParser)({ ecmaVersion: 2025 }));

const isVariable = (q: AST.Quantifier) => q.max > 1 && q.min !== q.max;
const repeats = (q: AST.Quantifier) => q.max > 1;

/** Why a pattern is refused, in words a policy author can act on; undefined when it is fine. */
export function regexPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'The pattern is empty.';
  if (pattern.length > MAX_PATTERN_LENGTH) return `The pattern is longer than ${MAX_PATTERN_LENGTH} characters.`;
  let ast: AST.Pattern;
  try {
    ast = getParser().parsePattern(pattern, 0, pattern.length, { unicode: true });
  } catch (error) {
    return `Not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  let problem: string | undefined;
  const refuse = (message: string) => {
    problem ??= message;
  };
  regexpp().visitRegExpAST(ast, {
    onQuantifierEnter(node) {
      if (!repeats(node)) return;
      // A repeated element that itself contains a variable repetition can be split in
      // exponentially many ways when a match fails.
      let nested: AST.Quantifier | undefined;
      regexpp().visitRegExpAST(node.element as unknown as AST.Pattern, {
        onQuantifierEnter(inner) {
          if (inner !== node && isVariable(inner)) nested ??= inner;
        },
      });
      if (nested) {
        refuse(
          `Nested quantifier: "${node.raw}" repeats "${nested.raw}", which backtracks catastrophically in LLM Guard (Python re). Repeat a fixed-width group instead, e.g. (?:\\d{3}-)+.`,
        );
      }
    },
    onAssertionEnter(node) {
      if (node.kind === 'lookahead' || node.kind === 'lookbehind') {
        refuse('Lookahead and lookbehind are not supported (RE2 has none); match the surrounding text instead.');
      }
    },
    onBackreferenceEnter() {
      refuse('Backreferences (\\1, \\k<name>) are not supported: they are not regular and RE2 has none.');
    },
    onCapturingGroupEnter(node) {
      if (node.name) refuse('Named groups are written differently in Python and JavaScript; use a plain group (…).');
    },
    onCharacterSetEnter(node) {
      if (node.kind === 'property') refuse('Unicode property escapes (\\p{…}) are not supported by Python re; list the characters instead.');
    },
  });
  if (problem) return problem;
  try {
    RE2JS.compile(pattern);
  } catch (error) {
    return `Not supported by the RE2 engine: ${(error as Error).message}`;
  }
  return undefined;
}

const compiled = new Map<string, RE2JS>();

function compile(pattern: string, caseSensitive: boolean): RE2JS {
  const key = `${caseSensitive ? 's' : 'i'}:${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    re = RE2JS.compile(pattern, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

/**
 * Spans reported per pattern. RE2's DFA answers "does it match" in linear time quickly;
 * collecting positions needs its slower NFA, so past this many matches the rest of the
 * text is reported as one span, which redacts it all (fail closed).
 */
export const MAX_REGEX_SPANS = 1000;

/** The `regex` check. Patterns are validated when the policy is saved; a bad one here is an error. */
export function scanRegex(text: string, params: RegexParams): ScanOutcome {
  const spans: Span[] = [];
  const matched: number[] = [];
  let truncated = false;
  params.patterns.forEach((pattern, index) => {
    const re = compile(pattern, params.caseSensitive);
    if (!re.test(text)) return;
    const matcher = re.matcher(text);
    let count = 0;
    while (matcher.find()) {
      const start = matcher.start();
      const end = matcher.end();
      if (end === start) continue;
      if (++count > MAX_REGEX_SPANS) {
        spans.push({ start, end: text.length, kind: 'regex' });
        truncated = true;
        break;
      }
      spans.push({ start, end, kind: 'regex' });
    }
    if (count > 0) matched.push(index);
  });
  spans.sort((a, b) => a.start - b.start);
  return {
    detected: spans.length > 0,
    score: spans.length > 0 ? 1 : 0,
    spans,
    details: { patterns: matched, ...(truncated ? { truncated: true } : {}) },
  };
}
