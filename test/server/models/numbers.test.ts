import { describe, expect, it } from 'vitest';
import { normaliseDecimal } from '../../../server/models/decimal';
import { deploymentSchema, deploymentUpdateSchema, evaluationsSchema, parseModelInput, versionSchema } from '../../../server/models/validation';
import { english, german } from '../../support/messages';

/*
 * Numbers typed in a German form: a decimal comma is read as one where that is the only
 * reading, and refused with a message that says why where it is not; a size is never read
 * as ten times what was meant ("14,9GiB" was once stored as 149 GiB).
 */

const version = {
  label: 'v1',
  artifactUri: 's3://models/llama/v1',
  format: 'safetensors',
  quantization: 'bf16',
  parameterCount: '8B',
  contextLength: '8192',
  sizeBytes: '16GB',
  sha256: 'a'.repeat(64),
};
const deployment = { versionId: '4f1c2b8e-7a55-4d0e-9a51-2f1ad0b1c9e3', engine: 'vllm' };

function refusal(parse: () => unknown): Record<string, string[]> {
  try {
    parse();
  } catch (error) {
    return (error as { fieldErrors: Record<string, string[]> }).fieldErrors;
  }
  throw new Error('expected a refusal');
}

describe('normaliseDecimal', () => {
  it('reads one comma as the decimal mark, groups of three as thousands, and refuses what could be either', () => {
    expect(normaliseDecimal('14,9')).toEqual({ ok: true, text: '14.9' });
    expect(normaliseDecimal('0,500')).toEqual({ ok: true, text: '0.500' });
    expect(normaliseDecimal('1,000,000')).toEqual({ ok: true, text: '1000000' });
    expect(normaliseDecimal('14.9')).toEqual({ ok: true, text: '14.9' });
    expect(normaliseDecimal('1,500')).toEqual({ ok: false, problem: 'ambiguous' });
    expect(normaliseDecimal('1,234.5')).toEqual({ ok: false, problem: 'mixed' });
    expect(normaliseDecimal('1.234,5')).toEqual({ ok: false, problem: 'mixed' });
  });
});

describe('version size and parameter count', () => {
  it('reads "14,9GiB" as 14.9 GiB, like "14.9GiB"', () => {
    const comma = parseModelInput(versionSchema(), { ...version, sizeBytes: '14,9GiB' });
    const point = parseModelInput(versionSchema(), { ...version, sizeBytes: '14.9GiB' });
    expect(comma.sizeBytes).toBe(Math.round(14.9 * 1024 ** 3));
    expect(comma.sizeBytes).toBe(point.sizeBytes);
    expect(parseModelInput(versionSchema(), { ...version, sizeBytes: '14,9 GiB' }).sizeBytes).toBe(point.sizeBytes);
  });

  it('reads "1,5B" parameters as 1.5 billion and "7,000,000,000" as seven billion', () => {
    expect(parseModelInput(versionSchema(), { ...version, parameterCount: '1,5B' }).parameterCount).toBe(1_500_000_000);
    expect(parseModelInput(versionSchema(), { ...version, parameterCount: '7,000,000,000' }).parameterCount).toBe(7_000_000_000);
  });

  it('refuses a size that mixes decimal comma and point, saying so in both languages', () => {
    const errors = refusal(() => parseModelInput(versionSchema(), { ...version, sizeBytes: '1,234.5GB' }));
    expect(errors.sizeBytes).toHaveLength(1);
    expect(english(errors.sizeBytes![0]!)).toBe('Use either a decimal point or a decimal comma, without thousands separators (e.g. 1234.5 or 1234,5).');
    expect(german(errors.sizeBytes![0]!)).toMatch(/^Verwenden Sie entweder ein Dezimalkomma/);
  });

  it('refuses "1,500MB" (fifteen hundred or one and a half?) with both readings', () => {
    const errors = refusal(() => parseModelInput(versionSchema(), { ...version, sizeBytes: '1,500MB' }));
    expect(english(errors.sizeBytes![0]!)).toBe('"1,500" could mean 1500 or 1.5 (with a decimal comma: 1,5): write the one you mean.');
    expect(german(errors.sizeBytes![0]!)).toBe('„1,500“ kann 1500 oder 1,5 (mit Dezimalpunkt: 1.5) bedeuten: Schreiben Sie die gemeinte Zahl.');
  });
});

describe('GPU memory fraction', () => {
  it('accepts "0,9" as the hint "(0,1 bis 0,99)" promises, for a new deployment and a change', () => {
    expect(parseModelInput(deploymentSchema(), { ...deployment, gpuMemoryUtilization: '0,9' }).gpuMemoryUtilization).toBe(0.9);
    expect(parseModelInput(deploymentUpdateSchema(false), { gpuMemoryUtilization: '0,85' }).gpuMemoryUtilization).toBe(0.85);
    expect(parseModelInput(deploymentSchema(), { ...deployment, gpuMemoryUtilization: '0.9' }).gpuMemoryUtilization).toBe(0.9);
  });

  it('still refuses "9,5" as out of range', () => {
    const errors = refusal(() => parseModelInput(deploymentSchema(), { ...deployment, gpuMemoryUtilization: '9,5' }));
    expect(german(errors.gpuMemoryUtilization![0]!)).toBe('Ein Anteil zwischen 0,1 und 0,99.');
  });
});

describe('evaluation lines', () => {
  it('take ";" or a tab as the separator, so a value can have a decimal comma', () => {
    const parsed = parseModelInput(evaluationsSchema(), 'MMLU; 0,82; mmlu; 2024-07-23\nHellaSwag\t0,79\thellaswag\t2024-07-24\nARC, 0.61, arc, 2024-07-25');
    expect(parsed).toEqual([
      { metric: 'MMLU', value: 0.82, dataset: 'mmlu', date: '2024-07-23' },
      { metric: 'HellaSwag', value: 0.79, dataset: 'hellaswag', date: '2024-07-24' },
      { metric: 'ARC', value: 0.61, dataset: 'arc', date: '2024-07-25' },
    ]);
  });

  it('refuse "MMLU, 0,82, mmlu, 2024-07-23" naming the decimal comma, not the date', () => {
    const errors = refusal(() => parseModelInput(versionSchema(), { ...version, evaluations: 'ARC, 0.61, arc, 2024-07-25\nMMLU, 0,82, mmlu, 2024-07-23' }));
    expect(Object.keys(errors)).toEqual(['evaluations.1']);
    expect(english(errors['evaluations.1']![0]!)).toBe(
      'Found 5 fields, expected 4 (metric, value, dataset, date). A decimal comma in the value splits it: write 0.82, or separate the fields with ";" or a tab.',
    );
    expect(german(errors['evaluations.1']![0]!)).toMatch(/^5 Felder statt 4 .*Dezimalkomma/);
    expect(german(errors['evaluations.1']![0]!)).not.toMatch(/Datum als/);
  });

  it('refuse a line with too few fields by its count', () => {
    const errors = refusal(() => parseModelInput(versionSchema(), { ...version, evaluations: 'MMLU, 0.82' }));
    expect(english(errors['evaluations.0']![0]!)).toBe('Found 2 fields, expected 4: metric, value, dataset, date.');
  });
});
