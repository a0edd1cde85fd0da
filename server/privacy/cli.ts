/**
 * `npm run privacy:verify-evidence -- <evidence.json> [--public-key <base64 SPKI>] [--json]`
 * `npm run privacy:verify-evidence -- --print-public-key`
 *
 * Checks the Ed25519 signature of an erasure or retention evidence file (as downloaded from
 * the request page). The trusted key is `--public-key`, else the one derived from this
 * installation's secret key (LEITSTAND_SECRET_KEY, else LEITSTAND_DATA_DIR/secret.key;
 * never created here). Exit code: 0 valid, 1 invalid, 2 could not run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getConfig } from '../config';
import { deriveKeys, type SignedDocument, verifyDocument } from './crypto';

function installationPublicKey(): string {
  const config = getConfig();
  let secret: Buffer;
  if (config.secretKey) secret = Buffer.from(config.secretKey, 'base64');
  else {
    const file = path.join(config.dataDir, 'secret.key');
    if (!fs.existsSync(file)) throw new Error(`no LEITSTAND_SECRET_KEY and no ${file}: pass --public-key`);
    secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  }
  return deriveKeys(secret).evidencePublicKey;
}

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'public-key': { type: 'string' },
      'print-public-key': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: privacy:verify-evidence <evidence.json> [--public-key <base64>] [--json] | --print-public-key\n');
    return 0;
  }
  if (values['print-public-key']) {
    process.stdout.write(`${installationPublicKey()}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file) throw new Error('name the evidence file');
  const signed = JSON.parse(fs.readFileSync(file, 'utf8')) as SignedDocument;
  if (!signed || typeof signed !== 'object' || !('document' in signed) || !('signature' in signed)) {
    throw new Error('the file is not a signed evidence document');
  }
  const trusted = values['public-key'] ?? installationPublicKey();
  const result = verifyDocument(signed, trusted);
  const doc = signed.document as { type?: string; request?: { reference?: string }; run?: string; totalRecords?: number; rows?: number };
  if (values.json) process.stdout.write(`${JSON.stringify({ ...result, type: doc.type ?? null })}\n`);
  else if (result.ok) {
    const what = doc.request?.reference ? `erasure ${doc.request.reference}, ${doc.totalRecords ?? 0} records` : `retention run ${doc.run ?? '?'}, ${doc.rows ?? 0} rows`;
    process.stdout.write(`VALID: ${what}; signed by key ${result.keyId}\n`);
  } else process.stdout.write(`INVALID: ${result.reason}\n`);
  return result.ok ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`privacy:verify-evidence: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
