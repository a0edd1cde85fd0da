import { type ScanOutcome, type Span, withoutOverlaps } from './types';

export const secretDetectors = [
  'aws',
  'github',
  'gitlab',
  'slack',
  'stripe',
  'openai',
  'google',
  'huggingface',
  'npm',
  'sendgrid',
  'private-key',
  'jwt',
  'credential-assignment',
  'high-entropy',
] as const;
export type SecretDetector = (typeof secretDetectors)[number];

export interface SecretsParams {
  detectors: readonly SecretDetector[];
  /** Shannon entropy (bits per character) a token must reach to count as random. */
  entropyThreshold: number;
  /** Shortest token the high-entropy detector looks at. */
  minEntropyLength: number;
}

export interface KeyPattern {
  detector: SecretDetector;
  kind: string;
  pattern: RegExp;
  /** Capture group holding the secret itself (default: whole match). */
  group?: number;
  validate?: (value: string) => boolean;
}

const mixedCase = (v: string) => /\d/.test(v) && /[A-Z]/.test(v) && /[a-z]/.test(v);

// Known formats first: a literal prefix and a bounded body, so each attempt is short. A
// body is taken whole with (?=(X{m,n}))\1 — JavaScript's way to write an atomic group — so a
// run longer than n fails once instead of retrying every shorter length ("sk-sk-sk-…").
export const keyPatterns: readonly KeyPattern[] = [
  {
    detector: 'aws',
    kind: 'aws-access-key-id',
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  },
  {
    detector: 'aws',
    kind: 'aws-secret-access-key',
    pattern: /aws.{0,20}?(?:secret|private).{0,20}?[\s"':=]{1,5}([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  {
    detector: 'github',
    kind: 'github-token',
    pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_(?=([A-Za-z0-9]{36,251}))\1|github_pat_(?=([A-Za-z0-9_]{22,255}))\2)(?![A-Za-z0-9_])/g,
  },
  {
    detector: 'gitlab',
    kind: 'gitlab-token',
    pattern: /(?<![A-Za-z0-9_-])gl(?:pat|dt|rt|ptt|soat|ft|cbt|imt|oas|agent)-(?=([A-Za-z0-9_-]{20,200}))\1(?![A-Za-z0-9_-])/g,
  },
  { detector: 'slack', kind: 'slack-token', pattern: /(?<![A-Za-z0-9-])xox[abposr]-(?=([A-Za-z0-9-]{10,250}))\1/g },
  {
    detector: 'slack',
    kind: 'slack-webhook',
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,200}/g,
  },
  {
    detector: 'stripe',
    kind: 'stripe-secret-key',
    pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_(?=([A-Za-z0-9]{16,247}))\1(?![A-Za-z0-9])/g,
  },
  {
    detector: 'openai',
    kind: 'openai-style-key',
    pattern: /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d{2}-)?(?=([A-Za-z0-9_-]{20,250}))\1(?![A-Za-z0-9_-])/g,
    validate: (body) => mixedCase(body),
  },
  { detector: 'google', kind: 'google-api-key', pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g },
  {
    detector: 'google',
    kind: 'google-oauth-client-secret',
    pattern: /(?<![A-Za-z0-9_-])GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])/g,
  },
  {
    detector: 'huggingface',
    kind: 'huggingface-token',
    pattern: /(?<![A-Za-z0-9_])hf_(?=([A-Za-z0-9]{34,40}))\1(?![A-Za-z0-9])/g,
    validate: (v) => mixedCase(v) || /[A-Z]/.test(v),
  },
  { detector: 'npm', kind: 'npm-token', pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  {
    detector: 'sendgrid',
    kind: 'sendgrid-key',
    pattern: /(?<![A-Za-z0-9_])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
  },
];

const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----/g;

// Keyword, an assignment or "is"/"ist"/"lautet", then the value.
const CREDENTIAL =
  /(?<![\p{L}\p{N}_])(?:password|passwd|pwd|passwort|kennwort|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|private[_-]?key|token)["']?[ \t]{0,3}(?::=|=>|[:=]|(?:is|ist|lautet)(?![\p{L}\p{N}_]))[ \t]{0,3}:?[ \t]{0,3}["'`]?([^\s"'`,;<>]{8,200})/giu;
// The same pattern without its leading look-behind, which V8 cannot skip ahead with: it finds
// the candidates (~2.5× faster), and the full pattern, sticky, decides each one.
const CREDENTIAL_CANDIDATE = new RegExp(CREDENTIAL.source.replace('(?<![\\p{L}\\p{N}_])', ''), 'giu');
const CREDENTIAL_AT = new RegExp(CREDENTIAL.source, 'iuy');
if (CREDENTIAL_CANDIDATE.source === CREDENTIAL.source) throw new Error('CREDENTIAL must start with its look-behind');

/** The matches of CREDENTIAL in text order, as text.matchAll(CREDENTIAL) gives them. */
function credentialMatches(text: string): RegExpExecArray[] {
  const found: RegExpExecArray[] = [];
  CREDENTIAL_CANDIDATE.lastIndex = 0;
  for (let c = CREDENTIAL_CANDIDATE.exec(text); c !== null; c = CREDENTIAL_CANDIDATE.exec(text)) {
    CREDENTIAL_AT.lastIndex = c.index;
    const m = CREDENTIAL_AT.exec(text);
    if (m !== null) found.push(m); // the same match: the look-behind reads nothing
    else CREDENTIAL_CANDIDATE.lastIndex = c.index + 1; // a keyword starts with a BMP letter
  }
  return found;
}
const BEARER = /(?<![\p{L}\p{N}_])Bearer[ \t]+([A-Za-z0-9._~+/-]{20,500}=*)/gu;
const PLACEHOLDER =
  /^(?:\$\{?[\w.]+\}?|%[\w.]+%|\{\{.*\}\}|\*+|x{4,}|X{4,}|\.{3,}|your[\w-]*|example[\w-]*|placeholder|changeme|process\.env\.\w+|os\.environ.*|env\(.*\)|getenv\(.*\)|secrets?\.\w+)$/i;

// Candidate random tokens: maximal runs of base64/base64url characters (at least 16), and
// for JWTs of base64url characters and dots (at least 30). One pass over the character
// codes: a regex (/(?:^|[^set])([set]{16,})/g) re-reads every short word and took ~0.15 ms
// per 16 KB for each of the two.
const asciiSet = (chars: string) => {
  const set = new Uint8Array(128);
  for (const c of chars) set[c.charCodeAt(0)] = 1;
  return set;
};
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_CHARS = asciiSet(ALNUM + '+/=_-');
const JWT_CHARS = asciiSet(ALNUM + '_.-');

/** [start, end) of every maximal run of `set` characters at least `min` long, in order. */
function runsOf(text: string, set: Uint8Array, min: number): number[] {
  const found: number[] = [];
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c >= 128 || set[c] === 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d >= 128 || set[d] === 0) break;
      j++;
    }
    if (j - i >= min) found.push(i, j);
    i = j;
  }
  return found;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

function jwtHeaderValid(segment: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && ('alg' in header || 'typ' in header);
  } catch {
    return false;
  }
}

function jwts(text: string): Span[] {
  if (!text.includes('eyJ')) return [];
  const spans: Span[] = [];
  const headers = new Map<string, boolean>();
  const validHeader = (segment: string) => {
    let valid = headers.get(segment);
    if (valid === undefined) {
      valid = segment.length <= 4096 && jwtHeaderValid(segment);
      headers.set(segment, valid);
    }
    return valid;
  };
  // Runs are found in one linear pass; the dotted segments inside are checked by hand,
  // which avoids a regex that rescans "eyJeyJeyJ…" from every position.
  const runs = runsOf(text, JWT_CHARS, 30);
  for (let r = 0; r < runs.length; r += 2) {
    const run = text.slice(runs[r], runs[r + 1]);
    const segments = run.split('.');
    let offset = runs[r]!;
    for (let i = 0; i + 2 < segments.length; i++) {
      const [header, payload, signature] = [segments[i]!, segments[i + 1]!, segments[i + 2]!];
      if (header.startsWith('eyJ') && payload.startsWith('eyJ') && header.length >= 10 && payload.length >= 10) {
        if (validHeader(header)) {
          spans.push({ start: offset, end: offset + header.length + payload.length + signature.length + 2, kind: 'jwt' });
          offset += header.length + payload.length + signature.length + 3;
          i += 2;
          continue;
        }
      }
      offset += segments[i]!.length + 1;
    }
  }
  return spans;
}

function privateKeys(text: string): Span[] {
  if (!text.includes('-----BEGIN')) return [];
  const spans: Span[] = [];
  const begin = new RegExp(PEM_BEGIN);
  for (let m = begin.exec(text); m !== null; m = begin.exec(text)) {
    const endMarker = text.indexOf('-----END', m.index + m[0].length);
    if (endMarker < 0) {
      // No END: everything from here on is key material.
      spans.push({ start: m.index, end: text.length, kind: 'private-key' });
      break;
    }
    const close = text.indexOf('-----', endMarker + 8);
    const end = close < 0 ? text.length : close + 5;
    spans.push({ start: m.index, end, kind: 'private-key' });
    begin.lastIndex = end;
  }
  return spans;
}

function credentialAssignments(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of credentialMatches(text)) {
    const value = m[1]!;
    if (PLACEHOLDER.test(value)) continue;
    // "password is required.", "Passwort ist mindestens …": prose, not a secret. Trailing
    // sentence punctuation does not count as the symbol a password would carry.
    const core = value.replace(/[.,!?:;)]+$/, '');
    if (!/[\p{L}]/u.test(core) || !/[\d\p{P}\p{S}]/u.test(core)) continue;
    const start = m.index + m[0].length - value.length;
    spans.push({ start, end: start + value.length, kind: 'credential' });
  }
  for (const m of text.includes('Bearer') ? text.matchAll(BEARER) : []) {
    const value = m[1]!;
    const start = m.index + m[0].length - value.length;
    spans.push({ start, end: start + value.length, kind: 'bearer-token' });
  }
  return spans;
}

function looksLikeWords(value: string): boolean {
  // Identifiers and paths are mostly lowercase words; random tokens rarely hold runs of
  // four or more lowercase letters for long.
  let inRuns = 0;
  for (const run of value.match(/[a-z]{4,}/g) ?? []) inRuns += run.length;
  return inRuns / value.length >= 0.4;
}

/** Characters of a run the statistics look at; a longer run is judged by its start. */
const ENTROPY_SAMPLE = 512;

function highEntropyTokens(text: string, params: SecretsParams): Span[] {
  const spans: Span[] = [];
  const runs = runsOf(text, TOKEN_CHARS, 16);
  for (let r = 0; r < runs.length; r += 2) {
    const runStart = runs[r]!;
    const run = text.slice(runStart, runs[r + 1]);
    const full = run.replace(/^[-_]+|[-_=]+$/g, (s) => (s.startsWith('=') ? s : ''));
    const value = full.slice(0, ENTROPY_SAMPLE);
    if (value.length < params.minEntropyLength) continue;
    if (text.slice(Math.max(0, runStart - 7), runStart).endsWith('base64,')) continue; // data: URI
    const digits = value.replace(/\D/g, '').length;
    const upper = value.replace(/[^A-Z]/g, '').length;
    const lower = value.replace(/[^a-z]/g, '').length;
    if (digits < 2 || upper < 2 || lower < 2) continue;
    if (looksLikeWords(value)) continue;
    // A path such as src/components/Card2View: short segments, no base64 padding or '+'.
    if (value.includes('/') && !/[+=]/.test(value) && value.split('/').every((s) => s.length <= 24)) continue;
    if (shannonEntropy(value) < params.entropyThreshold) continue;
    const start = runStart + run.indexOf(full);
    spans.push({ start, end: start + full.length, kind: 'high-entropy-token' });
  }
  return spans;
}

/** Finds secrets; known formats win over the generic rules when spans overlap. */
export function findSecrets(text: string, params: SecretsParams): Span[] {
  const enabled = new Set<SecretDetector>(params.detectors);
  let found: Span[] = [];
  const add = (spans: Span[]) => {
    found = found.concat(withoutOverlaps(spans, found));
  };
  if (enabled.has('private-key')) add(privateKeys(text));
  for (const key of keyPatterns) {
    if (!enabled.has(key.detector)) continue;
    const spans: Span[] = [];
    for (const m of text.matchAll(key.pattern)) {
      const value = key.group === undefined ? m[0] : m[key.group]!;
      if (key.validate && !key.validate(m[1] ?? value)) continue;
      const start = m.index + m[0].lastIndexOf(value);
      spans.push({ start, end: start + value.length, kind: key.kind });
    }
    add(spans);
  }
  if (enabled.has('jwt')) add(jwts(text));
  if (enabled.has('credential-assignment')) add(credentialAssignments(text));
  if (enabled.has('high-entropy')) add(highEntropyTokens(text, params));
  return found.sort((a, b) => a.start - b.start);
}

/** The `secrets` check. */
export function scanSecrets(text: string, params: SecretsParams): ScanOutcome {
  const spans = findSecrets(text, params);
  return {
    detected: spans.length > 0,
    score: spans.length > 0 ? 1 : 0,
    spans,
    details: { kinds: [...new Set(spans.map((s) => s.kind))] },
  };
}
