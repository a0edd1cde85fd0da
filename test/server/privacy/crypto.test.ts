import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  deriveKeys,
  loadSecretKey,
  openJson,
  sealJson,
  signDocument,
  subjectHash,
  verifyDocument,
} from '../../../server/privacy/crypto';

const secret = Buffer.alloc(32, 7);
const keys = deriveKeys(secret);

describe('secret box (AES-256-GCM)', () => {
  it('round-trips JSON and never stores the plain text', () => {
    const box = sealJson({ password: 'hunter2-very-secret' }, 'store:1', keys);
    expect(box).not.toContain('hunter2');
    expect(openJson(box, 'store:1', keys)).toEqual({ password: 'hunter2-very-secret' });
    expect(sealJson({ a: 1 }, 'x', keys)).not.toBe(sealJson({ a: 1 }, 'x', keys));
  });

  it('refuses another context, another key and a flipped bit', () => {
    const box = sealJson({ a: 1 }, 'store:1', keys);
    expect(() => openJson(box, 'store:2', keys)).toThrow();
    expect(() => openJson(box, 'store:1', deriveKeys(Buffer.alloc(32, 8)))).toThrow();
    const raw = Buffer.from(box.slice(3), 'base64');
    raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 1, raw.length - 1);
    expect(() => openJson(`v1.${raw.toString('base64')}`, 'store:1', keys)).toThrow();
  });
});

describe('subjectHash (HMAC)', () => {
  it('normalises e-mail case and spaces, separates kinds and tenants, depends on the key', () => {
    const a = subjectHash({ kind: 'email', value: ' Anna@Example.org ' }, keys);
    expect(a).toBe(subjectHash({ kind: 'email', value: 'anna@example.org' }, keys));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(subjectHash({ kind: 'user_id', value: '42' }, keys)).not.toBe(
      subjectHash({ kind: 'tenant_user_id', value: '42', tenant: 'acme' }, keys),
    );
    expect(subjectHash({ kind: 'tenant_user_id', value: '42', tenant: 'acme' }, keys)).not.toBe(
      subjectHash({ kind: 'tenant_user_id', value: '42', tenant: 'beta' }, keys),
    );
    expect(subjectHash({ kind: 'email', value: 'anna@example.org' }, deriveKeys(Buffer.alloc(32, 9)))).not.toBe(a);
  });
});

describe('evidence signatures (Ed25519 from HKDF)', () => {
  it('derives the same key pair from the same secret', () => {
    expect(deriveKeys(secret).evidencePublicKey).toBe(keys.evidencePublicKey);
    expect(deriveKeys(Buffer.alloc(32, 1)).evidencePublicKey).not.toBe(keys.evidencePublicKey);
  });

  it('verifies a signed document regardless of key order, with the pinned key', () => {
    const signed = signDocument({ b: 2, a: { z: 1, y: [1, 2] } }, keys);
    expect(verifyDocument(signed, keys.evidencePublicKey)).toEqual({ ok: true, keyId: keys.evidenceKeyId, trusted: true });
    const reordered = { ...signed, document: { a: { y: [1, 2], z: 1 }, b: 2 } };
    expect(verifyDocument(reordered).ok).toBe(true);
  });

  it('detects an altered document, a foreign key and a swapped public key', () => {
    const signed = signDocument({ records: 10 }, keys);
    expect(verifyDocument({ ...signed, document: { records: 9 } })).toMatchObject({ ok: false });
    const other = deriveKeys(Buffer.alloc(32, 3));
    expect(verifyDocument(signed, other.evidencePublicKey)).toMatchObject({ ok: false });
    // An attacker re-signs with their own key and embeds it: integrity holds, trust does not.
    const forged = signDocument({ records: 9 }, other);
    expect(verifyDocument(forged).ok).toBe(true);
    expect(verifyDocument(forged, keys.evidencePublicKey)).toMatchObject({ ok: false });
    expect(verifyDocument({ ...signed, keyId: other.evidenceKeyId })).toMatchObject({ ok: false });
  });
});

describe('loadSecretKey', () => {
  it('generates one key into the data directory with mode 0600 and reuses it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leitstand-key-'));
    try {
      const first = loadSecretKey({ secretKey: undefined, dataDir: dir });
      expect(first.length).toBe(32);
      expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
      expect(loadSecretKey({ secretKey: undefined, dataDir: dir }).equals(first)).toBe(true);
      const configured = crypto.randomBytes(32);
      expect(loadSecretKey({ secretKey: configured.toString('base64'), dataDir: dir }).equals(configured)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
