/**
 * Runs benchmarks: `npm run bench` runs every script in test/bench; `npm run bench -- audit-page
 * startup` runs the named ones. Each script prints a human summary and a final
 * `RESULT <json>` line; this runner collects those into test-results/bench.json.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const available = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = requested.filter((r) => !available.includes(r));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${available.join(', ')}`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : available;

function run(name: string): Promise<{ name: string; code: number; result: unknown }> {
  return new Promise((resolve) => {
    console.log(`\n=== ${name}`);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.ts`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let result: unknown = null;
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('RESULT ')) {
          try {
            result = JSON.parse(line.slice(7));
          } catch {
            result = { unparsed: line.slice(7) };
          }
        }
      }
    });
    child.on('close', (code) => resolve({ name, code: code ?? 1, result }));
  });
}

const results = [];
for (const name of selected) results.push(await run(name));
fs.mkdirSync('test-results', { recursive: true });
fs.writeFileSync('test-results/bench.json', JSON.stringify(results, null, 2));
console.log('\n=== summary');
for (const r of results) console.log(`${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.name}`);
console.log('results: test-results/bench.json');
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
