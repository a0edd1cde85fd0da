/**
 * A/B of the prompt-injection check and the default input policy: this tree's
 * `server/guard` against an older one, loaded side by side in one process, on the same
 * 64 prompts of 16 KB built as test/bench/guard-scanners.ts builds them, runs alternating
 * old/new, medians of process CPU time (the machine is shared; CPU time is the fair
 * figure, and alternating spreads the load over both).
 *
 *   git archive <commit> server db | tar -x -C /tmp/guard-old && ln -s $PWD/node_modules /tmp/guard-old/node_modules
 *   git show <commit>:test/fixtures/guard/eval-set.jsonl > /tmp/guard-old/eval-set.jsonl
 *   OLD_GUARD=/tmp/guard-old CORPUS=/tmp/guard-old/eval-set.jsonl node --import tsx test/bench/guard-injection-ab.ts
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as neu from '../../server/guard';
import { scanPromptInjection as newInjection } from '../../server/guard/scanners/prompt-injection';

const oldRoot = process.env.OLD_GUARD;
if (!oldRoot) throw new Error('OLD_GUARD must name a directory holding an older server/guard (see the comment at the top)');
type Guard = typeof neu;
const old = (await import(path.join(oldRoot, 'server/guard/index.ts'))) as Guard;
const oldInjection = ((await import(path.join(oldRoot, 'server/guard/scanners/prompt-injection.ts'))) as { scanPromptInjection: typeof newInjection }).scanPromptInjection;

const corpus = process.env.CORPUS ?? path.resolve(import.meta.dirname, '../fixtures/guard/eval-set.jsonl');
const evalTexts = readFileSync(corpus, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => (JSON.parse(line) as { text: string }).text);
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
function prompt(): string {
  let text = '';
  while (Buffer.byteLength(text) < 16384) {
    text += (random() < 0.5 ? evalTexts[Math.floor(random() * evalTexts.length)] : prose[Math.floor(random() * prose.length)]) + '\n';
  }
  while (Buffer.byteLength(text) > 16384) text = text.slice(0, -1);
  return text;
}
const prompts = Array.from({ length: 64 }, prompt);
const bytes = prompts.reduce((n, p) => n + Buffer.byteLength(p), 0);
const cpuMs = async (f: (text: string) => unknown) => {
  const started = process.cpuUsage();
  for (const p of prompts) await f(p);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
};
const params = { threshold: 0.5, languages: ['en', 'de'] as const };
const policyNew = (text: string) => neu.evaluatePolicy({ text, direction: 'input', policy: neu.defaultInputPolicy });
const policyOld = (text: string) => old.evaluatePolicy({ text, direction: 'input', policy: old.defaultInputPolicy });
for (let k = 0; k < 3; k++) {
  await cpuMs(policyNew);
  await cpuMs(policyOld);
}
const runs = { policyOld: [] as number[], policyNew: [] as number[], injectionOld: [] as number[], injectionNew: [] as number[] };
for (let k = 0; k < 15; k++) {
  runs.policyOld.push(bytes / 1e6 / ((await cpuMs(policyOld)) / 1000));
  runs.policyNew.push(bytes / 1e6 / ((await cpuMs(policyNew)) / 1000));
  runs.injectionOld.push((await cpuMs((t) => oldInjection(t, params))) / prompts.length);
  runs.injectionNew.push((await cpuMs((t) => newInjection(t, params))) / prompts.length);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!.toFixed(3);
console.log(`corpus ${corpus}`);
console.log(`default input policy, MB/s of CPU time (median of 15): old ${median(runs.policyOld)}, new ${median(runs.policyNew)}`);
console.log(`prompt-injection check, ms of CPU time per 16 KB (median of 15): old ${median(runs.injectionOld)}, new ${median(runs.injectionNew)}`);
