import { findSecrets, secretDetectors, shannonEntropy } from '../../../server/guard/scanners/secrets';

const params = { detectors: secretDetectors, entropyThreshold: 4.2, minEntropyLength: 24 };
const kinds = (text: string) => findSecrets(text, params).map((s) => [s.kind, text.slice(s.start, s.end)]);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('findSecrets', () => {
  it('recognises common API key formats by their prefixes', () => {
    const text = [
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ12',
      'glpat-AbCdEfGhIjKlMnOpQrSt',
      'xoxb-12345678901-123456789012-AbCdEfGhIjKlMnOpQrStUvWx',
      'sk_test_AbCdEfGhIjKlMnOpQrStUvWx',
      'sk-proj-Ab3dEf5hIj7lMn9pQr1tUv3xYz5AbCdEf',
      'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW',
      'hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh',
    ].join(' , ');
    expect(kinds(text).map(([k]) => k)).toEqual([
      'aws-access-key-id',
      'github-token',
      'gitlab-token',
      'slack-token',
      'stripe-secret-key',
      'openai-style-key',
      'google-api-key',
      'huggingface-token',
    ]);
  });

  it('finds a JWT only when its header decodes to a JOSE header', () => {
    const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: '42' })}.c2lnbmF0dXJlLWJ5dGVz`;
    expect(kinds(`Authorization: Bearer ${token}`)).toEqual([['jwt', token]]);
    const fake = `${b64({ hello: 'world' })}.${b64({ sub: '42' })}.abc`;
    expect(kinds(`not a jwt ${fake}`).filter(([k]) => k === 'jwt')).toEqual([]);
  });

  it('covers a PEM private key from BEGIN to END, and certificates not at all', () => {
    const key = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----';
    expect(kinds(`key:\n${key}\nthanks`)).toEqual([['private-key', key]]);
    expect(kinds('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toEqual([]);
  });

  it('reads a credential after a keyword, but not prose or placeholders', () => {
    expect(kinds('password: Sommer2024!')).toEqual([['credential', 'Sommer2024!']]);
    expect(kinds('Das Passwort ist Hamburg#77x')).toEqual([['credential', 'Hamburg#77x']]);
    expect(kinds('The password is required.')).toEqual([]);
    expect(kinds('api_key = "${OPENAI_API_KEY}"')).toEqual([]);
  });

  it('flags random-looking tokens but not hashes, UUIDs, identifiers or paths', () => {
    expect(kinds('token Xk9fQ2mZ7LpR4tVb8NcW1yHs6DgJ3aEu')).toEqual([['high-entropy-token', 'Xk9fQ2mZ7LpR4tVb8NcW1yHs6DgJ3aEu']]);
    expect(kinds('commit 3f786850e387550fdab836ed7e6dc881de23001b')).toEqual([]);
    expect(kinds('id 550e8400-e29b-41d4-a716-446655440000')).toEqual([]);
    expect(kinds('calculateMonthlyRevenue2024ReportGenerator')).toEqual([]);
    expect(kinds('src/components/UserProfile2Card/index')).toEqual([]);
  });

  it('does not call sk-learn an OpenAI key', () => {
    expect(kinds('We use sk-learn and sk-this-is-a-very-long-plain-slug')).toEqual([]);
  });

  it('runs only the enabled detectors', () => {
    expect(findSecrets('AKIAIOSFODNN7EXAMPLE', { ...params, detectors: ['github'] })).toEqual([]);
  });
});

describe('shannonEntropy', () => {
  it('is 0 for one repeated symbol and log2(n) for n distinct symbols', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});
