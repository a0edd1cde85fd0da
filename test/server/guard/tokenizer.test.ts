import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { CL100K_PATTERN, cl100kPieceEnd, getTokenCounter, MAX_EXACT_PIECE } from '../../../server/guard/scanners/tokenizer';

const evalSet = readFileSync(path.resolve(import.meta.dirname, '../../fixtures/guard/eval-set.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => (JSON.parse(line) as { text: string }).text);

function randomTexts(count: number): string[] {
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647);
  return Array.from({ length: count }, () => {
    let s = '';
    const length = next() % 300;
    for (let i = 0; i < length; i++) {
      const c = next() % 12;
      s +=
        c < 6 ? String.fromCharCode(97 + (next() % 26))
        : c < 7 ? ' '
        : c < 8 ? String.fromCharCode(0xc0 + (next() % 200))
        : c < 9 ? String.fromCodePoint(0x1f600 + (next() % 50))
        : c < 10 ? String(next() % 1000)
        : c < 11 ? '\n'
        : String.fromCharCode(33 + (next() % 30));
    }
    return s;
  });
}

describe.each([
  ['cl100k_base', cl100k],
  ['o200k_base', o200k],
] as const)('TokenCounter %s', (encoding, ranks) => {
  const reference = new Tiktoken(ranks);
  const counter = getTokenCounter(encoding);

  it('counts exactly as js-tiktoken on the evaluation set and on random text', () => {
    const texts = [...evalSet, ...randomTexts(300), 'a'.repeat(3000), ' '.repeat(2000) + 'x', '<|endoftext|> is text here'];
    const mismatches = texts.filter((t) => counter.count(t).tokens !== reference.encode(t, [], []).length);
    expect(mismatches).toEqual([]);
  });

  it('bounds a giant pre-token by its byte length instead of merging it', () => {
    const giant = 'ab'.repeat(MAX_EXACT_PIECE);
    expect(counter.count(giant)).toEqual({ tokens: giant.length, complete: true, exact: false });
  });

  it('stops early when asked to', () => {
    const result = counter.count('one two three four five six', 3);
    expect(result.complete).toBe(false);
    expect(result.tokens).toBeGreaterThan(3);
  });
});

describe('the hand-written cl100k_base pre-tokenizer', () => {
  it('is used for the pattern js-tiktoken ships', () => {
    expect((cl100k as { pat_str: string }).pat_str).toBe(CL100K_PATTERN);
  });

  it('ends every piece where a sticky match of the pattern ends, at every position', () => {
    // Each character class the pattern distinguishes, non-Latin-1 letters and digits,
    // Unicode white space, apostrophe forms, and surrogates (which it hands to the regex).
    const alphabet = [...'aZ\'sStTrReEvVlLmMdD09 \t\n\r\v\f!.,(-_\u00a0\u2028\u3000\u0085äßЖ中²٣①\u200b\u00ad“€'];
    const units = [...alphabet, '\ud835\udc00', '\ud835\udfce', '\ud83d\ude00', '\ud800', '\udc00'];
    let seed = 3;
    const next = () => (seed = (seed * 48271) % 2147483647);
    const texts = [...evalSet, ...randomTexts(300)];
    for (let k = 0; k < 2000; k++) texts.push(Array.from({ length: 1 + (next() % 12) }, () => units[next() % units.length]).join(''));
    const sticky = new RegExp(CL100K_PATTERN, 'uy');
    let checked = 0;
    const mismatches: string[] = [];
    for (const text of texts) {
      for (let i = 0; i < text.length; i++) {
        const end = cl100kPieceEnd(text, i);
        if (end < 0) continue; // a surrogate decides: the counter asks the regex
        sticky.lastIndex = i;
        const expected = sticky.test(text) ? sticky.lastIndex : i;
        checked++;
        if (end !== expected) mismatches.push(`${JSON.stringify(text)} at ${i}: ${end} instead of ${expected}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(100_000);
  });
});
