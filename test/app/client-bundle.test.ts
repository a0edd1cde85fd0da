import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const buildDir = path.resolve(import.meta.dirname, '../../public/build');

/** Text that only server-side packages contain; none of it may reach the browser. */
const serverMarkers = [
  { name: 'postgres.js', marker: 'postgres.js' },
  { name: 'PGlite', marker: 'PGlite' },
  { name: 'drizzle-orm', marker: 'drizzle' },
  { name: 'pino', marker: 'pino' },
  { name: '@kubernetes/client-node', marker: 'KubeConfig' },
  { name: 'node:crypto scrypt', marker: 'scrypt' },
  { name: 'migrations', marker: 'pg_advisory' },
];

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}

describe('client build', () => {
  it('contains no server-only package', () => {
    expect(fs.existsSync(buildDir), 'run `npm run build` first (npm test does)').toBe(true);
    const files = listFiles(buildDir).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const { name, marker } of serverMarkers) {
        if (text.includes(marker)) found.push(`${name} in ${path.relative(buildDir, file)}`);
      }
    }
    expect(found).toEqual([]);
  });
});
