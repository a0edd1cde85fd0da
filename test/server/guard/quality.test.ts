import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../server/core/errors';
import { type DetectorQuality, measureQuality, parseEvaluationSet, type QualityDetector } from '../../../server/guard';

const jsonl = readFileSync(path.resolve(import.meta.dirname, '../../fixtures/guard/eval-set.jsonl'), 'utf8');
const examples = parseEvaluationSet(jsonl);
const report = measureQuality(examples);
const quality = (detector: QualityDetector): DetectorQuality => report.detectors.find((d) => d.detector === detector)!;

describe('the evaluation set', () => {
  it('has at least 300 examples in German and English, split into tuning and held-out parts', () => {
    expect(examples.length).toBeGreaterThanOrEqual(300);
    expect(new Set(examples.map((e) => e.lang))).toEqual(new Set(['de', 'en']));
    const holdout = examples.filter((e) => e.split === 'holdout').length / examples.length;
    expect(holdout).toBeGreaterThan(0.2);
    expect(holdout).toBeLessThan(0.4);
  });

  it('contains near misses for every checksum-validated kind', () => {
    for (const note of ['wrong mod-97 checksum', 'Luhn failure', 'check digit or its digit-repetition', 'ID card number with a wrong check digit', 'passport number with a wrong check digit', 'looks like an IP address']) {
      expect(examples.some((e) => e.note?.includes(note) && e.labels.length === 0), note).toBe(true);
    }
  });
});

describe('measured quality', () => {
  it.each(['pii.iban', 'pii.payment-card', 'pii.tax-id', 'pii.id-card', 'pii.passport'] as const)(
    '%s reaches precision and recall ≥ 0.98 on both parts',
    (detector) => {
      const q = quality(detector);
      for (const part of [q.tune, q.holdout, q.all]) {
        expect(part.tp).toBeGreaterThan(0);
        expect(part.precision).toBeGreaterThanOrEqual(0.98);
        expect(part.recall).toBeGreaterThanOrEqual(0.98);
      }
    },
  );

  it('prompt-injection heuristics reach recall ≥ 0.8 at precision ≥ 0.9 on the tuning part', () => {
    const q = quality('prompt-injection');
    expect(q.tune.precision).toBeGreaterThanOrEqual(0.9);
    expect(q.tune.recall).toBeGreaterThanOrEqual(0.8);
  });

  it('prompt-injection heuristics reach recall ≥ 0.8 at precision ≥ 0.9 on the held-out part', () => {
    const q = quality('prompt-injection');
    expect(q.holdout.precision).toBeGreaterThanOrEqual(0.9);
    expect(q.holdout.recall).toBeGreaterThanOrEqual(0.8);
  });

  it('prompt-injection heuristics reach recall ≥ 0.8 at precision ≥ 0.9 on the third batch alone', () => {
    // Written and committed before the cue-based heuristic existed, never tuned on (README,
    // "Measured quality"). The older held-out batch was looked at while redesigning, so this
    // batch is the honest figure.
    const batch = examples.filter((e) => e.id.startsWith('injection-b3-') || e.id.startsWith('benign-b3-'));
    expect(batch.filter((e) => e.labels.includes('prompt-injection')).length).toBeGreaterThanOrEqual(60);
    expect(batch.filter((e) => !e.labels.includes('prompt-injection')).length).toBeGreaterThanOrEqual(60);
    const q = measureQuality(batch).detectors.find((d) => d.detector === 'prompt-injection')!;
    expect(q.all.precision).toBeGreaterThanOrEqual(0.9);
    expect(q.all.recall).toBeGreaterThanOrEqual(0.8);
  });

  it('secrets, e-mail, phone, IP, invisible text and code injection stay precise and complete on both parts', () => {
    for (const detector of ['secrets', 'pii.email', 'pii.phone', 'pii.ip-address', 'invisible-text', 'code-injection'] as const) {
      const q = quality(detector);
      expect(q.all.precision, detector).toBeGreaterThanOrEqual(0.95);
      expect(q.all.recall, detector).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('lists the examples a detector got wrong', () => {
    const q = quality('prompt-injection');
    expect(q.falseNegatives.length).toBe(q.all.fn);
    expect(q.falsePositives.length).toBe(q.all.fp);
  });
});

describe('parseEvaluationSet', () => {
  it('names the line of a bad example', () => {
    expect(() => parseEvaluationSet('{"id":"x"}')).toThrow(InputError);
    try {
      parseEvaluationSet('\n{"id":"a","split":"tune","lang":"en","direction":"input","text":"t","labels":["nope"]}');
    } catch (error) {
      expect(Object.keys((error as InputError).fieldErrors)).toEqual(['line 2']);
    }
  });

  it('rejects duplicate ids', () => {
    const line = '{"id":"a","split":"tune","lang":"en","direction":"input","text":"t","labels":[]}';
    expect(() => parseEvaluationSet(`${line}\n${line}`)).toThrow(/repeats the id a/);
  });
});

describe('measureQuality', () => {
  it('computes precision and recall from example-level outcomes', () => {
    const q = measureQuality([
      { id: '1', split: 'tune', lang: 'en', direction: 'input', text: 'mail a@example.com', labels: ['pii.email'] },
      { id: '2', split: 'tune', lang: 'en', direction: 'input', text: 'no address here', labels: ['pii.email'] },
      { id: '3', split: 'holdout', lang: 'en', direction: 'input', text: 'b@example.org', labels: [] },
    ]).detectors.find((d) => d.detector === 'pii.email')!;
    expect(q.all).toMatchObject({ tp: 1, fn: 1, fp: 1, tn: 0, precision: 0.5, recall: 0.5 });
    expect(q.holdout).toMatchObject({ precision: 0, recall: null });
    expect(q.falsePositives).toEqual(['3']);
  });
});
