import {
  currentScryptParams,
  hashPassword,
  passwordNeedsRehash,
  verifyPassword,
} from '../../../server/auth/password';

const cheap = { ln: 10, r: 8, p: 1 };

describe('hashPassword', () => {
  it('stores the scrypt parameters, a salt and the key with the hash', async () => {
    const hash = await hashPassword('a long enough password', cheap);
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('uses a fresh salt each time, so equal passwords hash differently', async () => {
    const [a, b] = await Promise.all([hashPassword('same password here', cheap), hashPassword('same password here', cheap)]);
    expect(a).not.toBe(b);
  });

  it('defaults to an OWASP-level cost (N ≥ 2^15)', async () => {
    expect(currentScryptParams.ln).toBeGreaterThanOrEqual(15);
    const hash = await hashPassword('default cost password');
    expect(hash.startsWith(`$scrypt$ln=${currentScryptParams.ln},r=${currentScryptParams.r},p=${currentScryptParams.p}$`)).toBe(true);
    expect(await verifyPassword('default cost password', hash)).toBe(true);
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery', cheap);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, not today’s', async () => {
    const old = await hashPassword('legacy password 1', { ln: 11, r: 4, p: 2 });
    expect(await verifyPassword('legacy password 1', old)).toBe(true);
  });

  it('treats canonically equivalent Unicode as the same password', async () => {
    const hash = await hashPassword('Gr\u00fc\u00dfe aus K\u00f6ln', cheap);
    expect(await verifyPassword('Gru\u0308\u00dfe aus Ko\u0308ln', hash)).toBe(true);
  });

  it('never matches a malformed or tampered hash', async () => {
    const hash = await hashPassword('tamper test password', cheap);
    expect(await verifyPassword('tamper test password', 'plaintext')).toBe(false);
    expect(await verifyPassword('tamper test password', hash.replace('ln=10', 'ln=11'))).toBe(false);
    expect(await verifyPassword('tamper test password', hash.replace('ln=10', 'ln=40'))).toBe(false);
    const truncated = hash.slice(0, hash.lastIndexOf('$') + 5);
    expect(await verifyPassword('tamper test password', truncated)).toBe(false);
  });
});

describe('passwordNeedsRehash', () => {
  it('asks for a re-hash when the stored cost differs from today’s', async () => {
    const weak = await hashPassword('weak cost password', cheap);
    expect(passwordNeedsRehash(weak)).toBe(true);
    expect(passwordNeedsRehash(weak, cheap)).toBe(false);
    expect(passwordNeedsRehash('garbage')).toBe(true);
  });
});
