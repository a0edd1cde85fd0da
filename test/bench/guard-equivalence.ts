/**
 * Equivalence of this tree's built-in guard scanners with an older tree's: every check's
 * outcome (detected, score, spans, details) and the exact token counts must be identical
 * on every text of the guard fixtures (evaluation set, injection batches), the bench's 64
 * prompts of 16 KB, the adversarial test's 100 KB inputs and 3,000 seeded random strings
 * over an alphabet chosen to hit the scanners' edge cases. For speed work that must not
 * change any verdict. Exits 1 on the first differences (prints up to 20).
 *
 *   git archive <commit> server db | tar -x -C /tmp/guard-old && ln -s $PWD/node_modules /tmp/guard-old/node_modules
 *   OLD_GUARD=/tmp/guard-old node --import tsx test/bench/guard-equivalence.ts
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as neu from '../../server/guard';
import * as neuEngine from '../../server/guard/engine';
import * as neuTokenizer from '../../server/guard/scanners/tokenizer';
import { holdoutBenign, holdoutMalicious } from '../fixtures/guard/injection-final';
import { holdout2Benign, holdout2Malicious } from '../fixtures/guard/injection-holdout2';
import { round2Benign, round2Malicious } from '../fixtures/guard/injection-round2';
import { tuneBenign, tuneMalicious } from '../fixtures/guard/injection-texts';

const oldRoot = process.env.OLD_GUARD;
if (!oldRoot) throw new Error('OLD_GUARD must name a directory holding an older server/guard (see the comment at the top)');
const old = (await import(path.join(oldRoot, 'server/guard/index.ts'))) as typeof neu;
const oldEngine = (await import(path.join(oldRoot, 'server/guard/engine.ts'))) as typeof neuEngine;
const oldTokenizer = (await import(path.join(oldRoot, 'server/guard/scanners/tokenizer.ts'))) as typeof neuTokenizer;

const texts: [string, string][] = [];
const evalTexts = readFileSync(path.resolve(import.meta.dirname, '../fixtures/guard/eval-set.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { id: string; text: string });
for (const e of evalTexts) texts.push([`eval ${e.id}`, e.text]);
const batches = { tuneMalicious, tuneBenign, round2Malicious, round2Benign, holdoutMalicious, holdoutBenign, holdout2Malicious, holdout2Benign };
for (const [name, batch] of Object.entries(batches)) batch.forEach((t, i) => texts.push([`${name}[${i}]`, t.text]));

// The bench's prompts, built exactly as test/bench/guard-scanners.ts builds them.
const prose = [
  'The quarterly report shows that revenue in the DACH region grew by eight percent while logistics costs stayed flat.',
  'Bitte prüfe bis Freitag, ob die Zahlen für das dritte Quartal mit der Buchhaltung übereinstimmen, und melde dich bei Fragen.',
  'Our onboarding guide explains how new colleagues request access to the build servers and where the style guide lives.',
  'Die Sitzung wurde auf Dienstag verschoben; das Protokoll der letzten Besprechung liegt im gemeinsamen Ordner.',
  'Summarise the customer feedback from the last survey and group it by product line, with two examples each.',
  'Kannst du den folgenden Absatz in einfachere Sprache übersetzen und dabei die Fachbegriffe erklären?',
];
let seed = 42;
const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
const plain = evalTexts.map((e) => e.text);
for (let k = 0; k < 64; k++) {
  let text = '';
  while (Buffer.byteLength(text) < 16384) {
    text += (random() < 0.5 ? plain[Math.floor(random() * plain.length)] : prose[Math.floor(random() * prose.length)]) + '\n';
  }
  while (Buffer.byteLength(text) > 16384) text = text.slice(0, -1);
  texts.push([`bench prompt ${k}`, text]);
}

// The adversarial test's 100 KB inputs.
const adversarialSource = readFileSync(path.resolve(import.meta.dirname, '../server/guard/adversarial.test.ts'), 'utf8');
for (const m of adversarialSource.matchAll(/^ {2}'?([\w -]+)'?: fill\(('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\),$/gm)) {
  const unit = (0, eval)(m[2]!) as string;
  texts.push([`adversarial ${m[1]}`, unit.repeat(Math.ceil(100_000 / unit.length)).slice(0, 100_000)]);
}

// Random strings: ASCII of every class, umlauts, non-ASCII letters, digits and spaces,
// line breaks, apostrophes, quotes, invisible and emoji characters, lone surrogates.
const alphabet = [
  ...'abcxyzABCXYZ0123456789 !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r',
  ...'  ', "'s", "'T", "'re", "'LL", "'d", ' ', '\n\n', '\r\n', '\u000b', '\f',
  ...'äöüßÄÖÜéñçøłπЖж中文日本²³½٣①', '\u00A0', '\u2028', '\u2003', '\u3000', '\u00AD', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF',
  '\u202E', '\u0080', '\uE000', '\u0378', '\u0007', '\u007F', '\u0085', '\uFE0F', '\uFE0E', '\u{E0100}', '\u{E0041}', '\u{E007F}', '👨', '👩', '🏴', '©', '®', '‼', '⁉',
  '\u{1F3FB}', '😀', '\uD800', '\uDC00', '–', '…', '€', '„', '“', '”', '‚', '‘', '’', '«', '»',
  'ignore ', 'previous ', 'instructions', 'Ignoriere ', 'alle ', 'Anweisungen', 'system prompt', 'you are now ', 'DAN', '1gn0r3', 'i g n o r e',
  'DE89 3704 0044 0532 0130 00', '4111 1111 1111 1111', 'a@b.de', '+49 30 1234567', '192.168.0.1', 'sk-', 'AKIA', 'ghp_', 'eyJ', 'password: ',
];
let rseed = 7;
const rnd = () => (rseed = (rseed * 48271) % 2147483647) / 2147483647;
for (let k = 0; k < 3000; k++) {
  const n = 1 + Math.floor(rnd() * (k < 2500 ? 40 : 400));
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
  texts.push([`random ${k}`, s]);
}

const definition = {
  checks: [
    { id: 'tokens', kind: 'token-limit', direction: 'input', action: 'block', params: { limit: 8192 } },
    { id: 'tokens-small', kind: 'token-limit', direction: 'input', action: 'block', params: { limit: 5 } },
    { id: 'tokens-o200k', kind: 'token-limit', direction: 'input', action: 'block', params: { limit: 1_000_000, encoding: 'o200k_base' } },
    { id: 'invisible', kind: 'invisible-text', direction: 'input', action: 'redact' },
    { id: 'invisible-strict', kind: 'invisible-text', direction: 'input', action: 'redact', params: { allowEmojiSequences: false } },
    { id: 'injection', kind: 'prompt-injection', direction: 'input', action: 'block' },
    { id: 'injection-en', kind: 'prompt-injection', direction: 'input', action: 'block', params: { languages: ['en'], threshold: 0.9 } },
    { id: 'pii', kind: 'pii', direction: 'input', action: 'redact' },
    { id: 'secrets', kind: 'secrets', direction: 'input', action: 'block' },
    { id: 'banned', kind: 'ban-substrings', direction: 'input', action: 'block', params: { substrings: ['aaa b', 'ignore all x', '1 1 1 2'] } },
    { id: 'topics', kind: 'topics', direction: 'input', action: 'block', params: { topics: [{ name: 't', keywords: ['a*', 'sprengstoff*', 'ignore'] }] } },
    { id: 'code', kind: 'code-injection', direction: 'output', action: 'block' },
  ],
};
type BuiltIn = Parameters<typeof neuEngine.runBuiltInCheck>[0];
const neuChecks = neu.parsePolicyDefinition(definition).checks as BuiltIn[];
const oldChecks = old.parsePolicyDefinition(definition).checks as BuiltIn[];

const differences: string[] = [];
let compared = 0;
for (const [name, text] of texts) {
  for (let c = 0; c < neuChecks.length; c++) {
    const a = JSON.stringify(oldEngine.runBuiltInCheck(oldChecks[c]!, text));
    const b = JSON.stringify(neuEngine.runBuiltInCheck(neuChecks[c]!, text));
    compared++;
    if (a !== b) differences.push(`${name}, ${neuChecks[c]!.id}:\n  old ${a.slice(0, 400)}\n  new ${b.slice(0, 400)}`);
  }
  for (const encoding of ['cl100k_base', 'o200k_base'] as const) {
    const a = JSON.stringify(oldTokenizer.getTokenCounter(encoding).count(text));
    const b = JSON.stringify(neuTokenizer.getTokenCounter(encoding).count(text));
    compared++;
    if (a !== b) differences.push(`${name}, count ${encoding}: old ${a}, new ${b}`);
  }
  for (const policy of ['defaultInputPolicy', 'defaultOutputPolicy'] as const) {
    const strip = (r: neuEngine.EvaluationResult) => JSON.stringify({ ...r, latencyMs: 0, results: r.results.map((x) => ({ ...x, latencyMs: 0 })) });
    const direction = policy === 'defaultInputPolicy' ? 'input' : 'output';
    const a = strip(await old.evaluatePolicy({ text, direction, policy: old[policy] }));
    const b = strip(await neu.evaluatePolicy({ text, direction, policy: neu[policy] }));
    compared++;
    if (a !== b) differences.push(`${name}, ${policy}: outcomes differ`);
  }
}
console.log(`${texts.length} texts, ${compared} outcomes compared, ${differences.length} differ`);
for (const d of differences.slice(0, 20)) console.log(d);
process.exitCode = differences.length > 0 ? 1 : 0;
