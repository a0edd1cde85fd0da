import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogs } from '../../../app/i18n/messages';
import { translateServerMessage } from '../../../app/i18n/use-t';
import { gpuMessages, msg } from '../../../server/gpu/messages';
import { estimateGpuMemory } from '../../../server/models/memory';

/** Words that are the same in both languages (units, names of resources). */
const sameInGerman = new Set([
  'gpu.plan.count',
  'gpu.plan.needGpu',
  'gpu.plan.needGpus',
  'gpu.plan.needMig',
  'gpu.plan.word.node',
  'gpu.plan.word.gpus',
  'gpu.plan.word.cpu',
  'gpu.plan.placed',
]);

describe('gpu messages', () => {
  it('are catalog keys with an English and a German text', () => {
    for (const key of Object.values(gpuMessages)) {
      expect(catalogs.en[key as keyof typeof catalogs.en], key).toBeTypeOf('string');
      expect(catalogs.de[key as keyof typeof catalogs.de], key).toBeTypeOf('string');
      if (!sameInGerman.has(key)) expect(catalogs.de[key as keyof typeof catalogs.de], key).not.toBe(catalogs.en[key as keyof typeof catalogs.en]);
    }
  });

  it('name only catalog keys in the context’s sources, and no refusal is thrown with an English sentence', () => {
    const dir = path.join(__dirname, '../../../server/gpu');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      for (const [key] of source.matchAll(/'gpu\.(?:error|plan)\.[\w.]+'/g)) {
        expect(catalogs.en, `${file}: ${key}`).toHaveProperty([key.slice(1, -1)]);
      }
      // Refusals a person reads carry keys (drain job errors, read by operators in logs, stay English).
      expect(source, file).not.toMatch(/new (InputError|NotFoundError|ConflictError|ForbiddenError)\(\s*['`"]/);
      expect(source, file).not.toMatch(/(message|error): ['`"][A-Z]/);
    }
  });

  it('translate lists item by item, nested variables included', () => {
    const list = [msg(gpuMessages.count, { n: 2, why: gpuMessages.exCordoned }), msg(gpuMessages.count, { n: 1, why: msg(gpuMessages.exOtherProduct, { product: 'NVIDIA-L40S' }) })];
    const message = msg(gpuMessages.notEligible, { list: { list } });
    expect(translateServerMessage('en', message)).toBe('Not eligible: 2 cordoned, 1 other GPU product (NVIDIA-L40S).');
    expect(translateServerMessage('de', message)).toBe('Nicht geeignet: 2 gesperrt, 1 anderes GPU-Modell (NVIDIA-L40S).');
    expect(translateServerMessage('de', msg(gpuMessages.noNode, { name: 'x' }))).toBe('Es gibt keinen Knoten namens x.');
    expect(translateServerMessage('en', msg(gpuMessages.noNode, { name: 'x' }))).toBe('There is no node called x.');
  });

  it('explain the GPU memory estimate in the reader’s language', () => {
    const estimate = estimateGpuMemory({ parameterCount: 70e9, quantization: 'bf16', contextLength: 131072, engine: 'vllm', gpus: 4 });
    const en = estimate.parts.map((p) => translateServerMessage('en', p.explanation));
    const de = estimate.parts.map((p) => translateServerMessage('de', p.explanation));
    expect(en).toEqual([
      '70 B parameters × 2 bytes (bf16)',
      '4 sequences × 131,072 tokens × 379 KiB per token (fp16, grouped-query attention assumed)',
      '1 GiB CUDA context + 10 % of the weights for activations',
      'the engine uses only 90 % of each GPU (--gpu-memory-utilization)',
    ]);
    expect(de[0]).toBe('70 Mrd. Parameter × 2 Bytes (bf16)');
    expect(de[1]).toBe('4 Sequenzen × 131.072 Tokens × 379 KiB pro Token (fp16, Grouped-Query-Attention angenommen)');
    for (const text of de) expect(text).not.toMatch(/models\.|\{\w+\}/);
  });
});
