/**
 * Throughput and latency of the built-in guard scanners for the default input policy
 * (token limit, invisible text, prompt injection, personal data, secrets; no Llama Guard).
 * Run: node --import tsx test/bench/guard-scanners.ts   (about 30 s, loopback-free)
 *
 * Corpus: the evaluation set's texts (German and English prompts with personal data,
 * secrets and attacks) interleaved with business prose, cut into 16 KB prompts.
 * Throughput: bytes of all prompts / time to evaluate them all, per run; median and p95
 * over runs, both wall time and CPU time (CPU time is what the code costs when other
 * processes share the two cores). Latency: one 16 KB prompt per call, p50/p95/p99 over
 * many calls, with the token counter's cache warm (steady state) and cleared before every
 * call (every pre-token counted from scratch).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultInputPolicy, evaluatePolicy } from '../../server/guard';
import { getTokenCounter } from '../../server/guard/scanners/tokenizer';

const PROMPT_BYTES = 16 * 1024;
const DEADLINE = Date.now() + 45_000;

const evalTexts = readFileSync(path.resolve(import.meta.dirname, '../fixtures/guard/eval-set.jsonl'), 'utf8')
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
  while (Buffer.byteLength(text) < PROMPT_BYTES) {
    text += (random() < 0.5 ? evalTexts[Math.floor(random() * evalTexts.length)] : prose[Math.floor(random() * prose.length)]) + '\n';
  }
  while (Buffer.byteLength(text) > PROMPT_BYTES) text = text.slice(0, -1);
  return text;
}
const prompts = Array.from({ length: 64 }, prompt); // 1 MiB
const totalBytes = prompts.reduce((n, p) => n + Buffer.byteLength(p), 0);

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const evaluate = (text: string) => evaluatePolicy({ text, direction: 'input', policy: defaultInputPolicy });

async function main() {
  getTokenCounter('cl100k_base');
  for (const p of prompts.slice(0, 8)) await evaluate(p); // JIT warm-up

  const throughputWall: number[] = [];
  const throughputCpu: number[] = [];
  for (let run = 0; run < 15 && Date.now() < DEADLINE - 30_000; run++) {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    for (const p of prompts) await evaluate(p);
    throughputWall.push(totalBytes / 1e6 / ((performance.now() - wall) / 1000));
    throughputCpu.push(totalBytes / 1e6 / (cpuMs(cpu) / 1000));
  }

  const latency = async (calls: number, cold: boolean) => {
    const samples: number[] = [];
    const cpuSamples: number[] = [];
    for (let i = 0; i < calls && Date.now() < DEADLINE; i++) {
      if (cold) getTokenCounter('cl100k_base').clearCache();
      const text = prompts[i % prompts.length]!;
      const started = performance.now();
      const cpu = process.cpuUsage();
      await evaluate(text);
      cpuSamples.push(cpuMs(cpu));
      samples.push(performance.now() - started);
    }
    return {
      calls: samples.length,
      p50: round(quantile(samples, 0.5)),
      p95: round(quantile(samples, 0.95)),
      p99: round(quantile(samples, 0.99)),
      cpuP50: round(quantile(cpuSamples, 0.5)),
      cpuP95: round(quantile(cpuSamples, 0.95)),
      cpuP99: round(quantile(cpuSamples, 0.99)),
    };
  };
  const warm = await latency(3000, false);
  const cold = await latency(600, true);

  const perCheck: Record<string, number> = {};
  for (const p of prompts) {
    const result = await evaluate(p);
    for (const r of result.results) perCheck[r.kind] = (perCheck[r.kind] ?? 0) + r.latencyMs;
  }
  for (const k of Object.keys(perCheck)) perCheck[k] = round(perCheck[k]! / prompts.length, 3);

  const result = {
    corpusBytes: totalBytes,
    promptBytes: PROMPT_BYTES,
    throughputMBps: {
      wallMedian: round(quantile(throughputWall, 0.5)),
      wallP5: round(quantile(throughputWall, 0.05)),
      cpuMedian: round(quantile(throughputCpu, 0.5)),
      cpuP5: round(quantile(throughputCpu, 0.05)),
      runs: throughputWall.length,
    },
    latencyMs16KB: { warmCache: warm, coldTokenCache: cold },
    meanMsPerCheck16KB: perCheck,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverage1m: round(os.loadavg()[0]!), node: process.version },
  };
  console.log(`guard scanners, default input policy, ${prompts.length} prompts of 16 KB (${(totalBytes / 1048576).toFixed(2)} MiB)`);
  console.log(`  throughput: median ${result.throughputMBps.wallMedian} MB/s wall, ${result.throughputMBps.cpuMedian} MB/s CPU (${result.throughputMBps.runs} runs)`);
  for (const [name, l] of [['warm', warm], ['cold', cold]] as const) {
    console.log(
      `  16 KB latency, ${name} token cache: wall p50 ${l.p50} / p95 ${l.p95} / p99 ${l.p99} ms; CPU p50 ${l.cpuP50} / p95 ${l.cpuP95} / p99 ${l.cpuP99} ms (${l.calls} calls)`,
    );
  }
  console.log(`  mean ms per check: ${Object.entries(perCheck).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`  load average (1 min) at the end: ${result.machine.loadAverage1m} on ${result.machine.cpus} cores`);
  console.log(`RESULT ${JSON.stringify(result)}`);
}

await main();
