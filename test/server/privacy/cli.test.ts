import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveKeys, signDocument } from '../../../server/privacy/crypto';

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leitstand-evidence-'));
const secret = crypto.randomBytes(32);
const keys = deriveKeys(secret);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'server/privacy/cli.ts', ...args], {
      env: { ...process.env, LEITSTAND_DATA_DIR: dir, ...env },
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout + e.stderr };
  }
}

describe('privacy:verify-evidence', () => {
  const evidence = { type: 'leitstand.erasure-evidence', request: { reference: 'ER-20240131-ABC123' }, totalRecords: 42 };
  const file = path.join(dir, 'evidence.json');
  fs.writeFileSync(file, JSON.stringify(signDocument(evidence, keys)));

  it('accepts evidence signed by the installation key (derived from LEITSTAND_SECRET_KEY)', async () => {
    const result = await cli([file], { LEITSTAND_SECRET_KEY: secret.toString('base64') });
    expect(result).toEqual({ code: 0, stdout: `VALID: erasure ER-20240131-ABC123, 42 records; signed by key ${keys.evidenceKeyId}\n` });
  });

  it('refuses an edited file and a file signed by another key, with exit code 1', async () => {
    const edited = path.join(dir, 'edited.json');
    const signed = signDocument(evidence, keys);
    fs.writeFileSync(edited, JSON.stringify({ ...signed, document: { ...evidence, totalRecords: 41 } }));
    expect(await cli([edited, '--public-key', keys.evidencePublicKey])).toMatchObject({ code: 1, stdout: expect.stringContaining('INVALID') });
    const foreign = path.join(dir, 'foreign.json');
    fs.writeFileSync(foreign, JSON.stringify(signDocument(evidence, deriveKeys(crypto.randomBytes(32)))));
    expect(await cli([foreign, '--public-key', keys.evidencePublicKey])).toMatchObject({ code: 1 });
  });

  it('says why it cannot run (no key anywhere) with exit code 2, and creates no key', async () => {
    const result = await cli([file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('pass --public-key');
    expect(fs.existsSync(path.join(dir, 'secret.key'))).toBe(false);
  });
});
