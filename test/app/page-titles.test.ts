import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const routesDir = path.resolve(import.meta.dirname, '../../app/routes');

interface MetaArgs {
  matches: { id: string; data: unknown }[];
  data: unknown;
  params: Record<string, string>;
}
type Meta = (args: MetaArgs) => { title?: string }[];

/** Page routes: modules with a component (resource routes and the 404 splat have their own answers). */
async function pages() {
  const out: { file: string; meta?: Meta }[] = [];
  for (const file of fs.readdirSync(routesDir).sort()) {
    if (!file.endsWith('.tsx') || file === '$.tsx') continue;
    const mod = (await import(path.join(routesDir, file))) as { default?: unknown; meta?: Meta };
    if (typeof mod.default === 'function') out.push({ file, meta: mod.meta });
  }
  return out;
}

const titleOf = (meta: Meta, locale: string) =>
  meta({ matches: [{ id: 'root', data: { locale } }], data: undefined, params: {} }).find((d) => d.title)?.title;

describe('page titles', () => {
  it('every page names itself, in the page’s language, ending in Leitstand', async () => {
    const list = await pages();
    expect(list.length).toBeGreaterThan(30);
    const untitled = list.filter((p) => !p.meta).map((p) => p.file);
    expect(untitled).toEqual([]);
    for (const { file, meta } of list) {
      const en = titleOf(meta!, 'en');
      const de = titleOf(meta!, 'de');
      expect(en, file).toMatch(/.+ · Leitstand$/);
      expect(de, file).toMatch(/.+ · Leitstand$/);
    }
  });

  it('translates the title: the audit page in German', async () => {
    const { meta } = (await import(path.join(routesDir, 'audit.tsx'))) as { meta: Meta };
    expect(titleOf(meta, 'en')).toBe('Audit trail · Leitstand');
    expect(titleOf(meta, 'de')).not.toBe(titleOf(meta, 'en'));
  });
});
