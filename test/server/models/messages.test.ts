import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogs } from '../../../app/i18n/messages';
import { translateServerMessage } from '../../../app/i18n/use-t';
import { modelMessages, msg } from '../../../server/models/messages';
import { deploymentSchema, modelSchema, parseModelInput, versionSchema } from '../../../server/models/validation';
import { tenantMessages } from '../../../server/tenants/messages';
import { limitsSchema, quotaSchema } from '../../../server/tenants/validation';
import { parseTenantInput } from '../../../server/tenants/validation';

/** Words that are the same in both languages (units, names of resources). */
const sameInGerman = new Set(['models.error.word.gpu', 'models.error.word.gpus', 'tenants.error.what.gpus', 'tenants.error.what.pods', 'tenants.error.what.cpu', 'tenants.error.quota.gpus', 'tenants.error.quota.cpu', 'models.estimate.scale.one']);

function fieldErrorsOf(parse: () => unknown): Record<string, string[]> {
  try {
    parse();
  } catch (error) {
    return (error as { fieldErrors: Record<string, string[]> }).fieldErrors;
  }
  throw new Error('expected a refusal');
}

describe('models and tenants error messages', () => {
  it('are catalog keys with an English and a German text', () => {
    for (const key of [...Object.values(modelMessages), ...Object.values(tenantMessages)]) {
      expect(catalogs.en[key as keyof typeof catalogs.en], key).toBeTypeOf('string');
      expect(catalogs.de[key as keyof typeof catalogs.de], key).toBeTypeOf('string');
      if (!sameInGerman.has(key)) expect(catalogs.de[key as keyof typeof catalogs.de], key).not.toBe(catalogs.en[key as keyof typeof catalogs.en]);
    }
  });

  it('name only catalog keys in the contexts’ sources, and no error is thrown with an English sentence', () => {
    for (const context of ['models', 'tenants']) {
      const dir = path.join(__dirname, '../../../server', context);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(path.join(dir, file), 'utf8');
        for (const [key] of source.matchAll(/'(?:models|tenants)\.error\.[\w.]+'/g)) {
          expect(catalogs.en, `${file}: ${key}`).toHaveProperty([key.slice(1, -1)]);
        }
        // Refusals a person reads carry keys (job errors, read by operators in logs, stay English).
        expect(source, file).not.toMatch(/new (InputError|NotFoundError|ConflictError|ForbiddenError)\(\s*['`"]/);
      }
    }
  });

  it('carry numbers so that each language groups their digits', () => {
    const message = msg(modelMessages.versionContext, { label: 'v3', most: 8192 });
    expect(message).toBe('models.error.versionContext?label=v3&most=8192&_n=most');
    expect(translateServerMessage('en', message)).toBe('v3 supports at most 8,192 tokens.');
    expect(translateServerMessage('de', message)).toBe('v3 unterstützt höchstens 8.192 Tokens.');
  });

  it('give every refused field of the models forms a key the German page translates', () => {
    const forms = [
      fieldErrorsOf(() => parseModelInput(modelSchema(), { name: 'new', family: '', owner: 'x', license: 'x', tags: 'Bad Tag' })),
      fieldErrorsOf(() => parseModelInput(versionSchema(), { label: '', artifactUri: 'ftp://x', format: 'onnx', quantization: 'int3', parameterCount: 'many', contextLength: '0', sizeBytes: 'big', sha256: 'abc', evaluations: 'acc, x, d, 2024-13-01' })),
      fieldErrorsOf(() => parseModelInput(deploymentSchema(), { versionId: 'x', engine: 'nope', target: 'tenant:Bad', replicas: '100', gpusPerReplica: '1.5', cpu: 'lots', memory: '-', gpuMemoryUtilization: '2', extraArgs: 'no-dash', gpuProduct: 'x'.repeat(200) })),
    ];
    for (const fieldErrors of forms) {
      for (const [field, messages] of Object.entries(fieldErrors)) {
        for (const message of messages) {
          expect(message, field).toMatch(/^models\.error\./);
          const german = translateServerMessage('de', message);
          expect(german, field).not.toMatch(/models\.|\{\w+\}/);
          expect(german, field).not.toBe(translateServerMessage('en', message));
        }
      }
    }
    expect(translateServerMessage('en', forms[2]!.replicas![0]!)).toBe('The number of replicas must be at most 64.');
    expect(translateServerMessage('de', forms[2]!.replicas![0]!)).toBe('Die Anzahl der Replikate darf höchstens 64 sein.');
    // zod's own texts (no message of ours) become generic keys.
    expect(translateServerMessage('de', forms[2]!.gpuProduct![0]!)).toBe('Höchstens 120 Zeichen.');
  });

  it('give every refused field of the tenants forms a key the German page translates', () => {
    const forms = [
      fieldErrorsOf(() => parseTenantInput(quotaSchema(), { gpus: '-1', mig: '1g=x', cpu: 'lots', memory: '-1Gi', pods: '2000000', cpuLimit: 'x' })),
      fieldErrorsOf(() => parseTenantInput(limitsSchema(), { tokenBudget: '1.5', budgetPeriod: 'week', alertThresholdPercent: '0', requestsPerMinute: 'x', models: 'a b\na' })),
    ];
    for (const fieldErrors of forms) {
      for (const [field, messages] of Object.entries(fieldErrors)) {
        for (const message of messages) {
          expect(message, field).toMatch(/^tenants\.error\./);
          const german = translateServerMessage('de', message);
          expect(german, field).not.toMatch(/tenants\.|\{\w+\}/);
          expect(german, field).not.toBe(translateServerMessage('en', message));
        }
      }
    }
    expect(translateServerMessage('en', forms[0]!.pods![0]!)).toBe('Pods: at most 1,000,000.');
    expect(translateServerMessage('de', forms[0]!.pods![0]!)).toBe('Pods: höchstens 1.000.000.');
    expect(translateServerMessage('en', forms[0]!.cpu![0]!)).toBe('CPU: a Kubernetes quantity such as 64 or 500m, or empty.');
    expect(translateServerMessage('de', forms[1]!.requestsPerMinute![0]!)).toBe('Anfragen pro Minute: eine ganze Zahl ab 0, oder leer für keine Grenze.');
  });
});
