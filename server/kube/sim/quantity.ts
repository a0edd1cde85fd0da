/**
 * resource.Quantity as the API server parses and prints it: exact arithmetic on nano
 * units, and the canonical form the server stores ("1024Mi" comes back as "1Gi",
 * "0.5" as "500m").
 */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** value × 10⁹, rounded up as the API server rounds sub-nano precision */
  nano: bigint;
  format: QuantityFormat;
}

const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANO = 1_000_000_000n;

export const QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** Parses a quantity; throws Error(QUANTITY_ERROR) for malformed text. */
export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === 'number' ? String(input) : input.trim();
  const m = QUANTITY_RE.exec(text);
  if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1]!)) throw new Error(QUANTITY_ERROR);
  const num = m[1]!;
  const suffix = m[2]!;
  let format: QuantityFormat;
  let exp10 = 0;
  let exp2 = 0;
  if (suffix in BINARY_SUFFIX) {
    format = 'BinarySI';
    exp2 = BINARY_SUFFIX[suffix]!;
  } else if (suffix in DECIMAL_SUFFIX) {
    format = 'DecimalSI';
    exp10 = DECIMAL_SUFFIX[suffix]!;
  } else if (/^[eE][-+]?\d+$/.test(suffix)) {
    format = 'DecimalExponent';
    exp10 = Number(suffix.slice(1));
  } else {
    throw new Error(QUANTITY_ERROR);
  }
  const negative = num.startsWith('-');
  const digits = num.replace(/^[+-]/, '');
  const [intPart = '', fracPart = ''] = digits.split('.');
  // value = int.frac × 10^exp10 × 2^exp2, expressed in nano units, rounded up (away from zero).
  let numerator = BigInt((intPart || '0') + fracPart) * (1n << BigInt(exp2));
  let scale = exp10 + 9 - fracPart.length;
  let nano: bigint;
  if (scale >= 0) nano = numerator * 10n ** BigInt(scale);
  else {
    const div = 10n ** BigInt(-scale);
    nano = numerator / div + (numerator % div === 0n ? 0n : 1n);
  }
  numerator = 0n;
  scale = 0;
  return { nano: negative ? -nano : nano, format };
}

/** True when the text parses as a quantity. */
export function isQuantity(input: unknown): boolean {
  if (typeof input !== 'string' && typeof input !== 'number') return false;
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

/** The canonical text of a quantity, as the API server serialises it. */
export function formatQuantity(q: Quantity): string {
  let format = q.format;
  const neg = q.nano < 0n;
  const abs = neg ? -q.nano : q.nano;
  const sign = neg ? '-' : '';
  if (format === 'BinarySI') {
    // Small or fractional values print in decimal, as resource.Quantity does.
    if (abs < 1024n * NANO || abs % NANO !== 0n) format = 'DecimalSI';
  }
  if (abs === 0n) return '0';
  if (format === 'BinarySI') {
    let v = abs / NANO;
    let exp = 0;
    while (v % 1024n === 0n && exp < 60) {
      v /= 1024n;
      exp += 10;
    }
    const suffix = Object.entries(BINARY_SUFFIX).find(([, e]) => e === exp)?.[0] ?? '';
    return `${sign}${v}${suffix}`;
  }
  // Decimal: the largest exponent (multiple of 3, from -9) that keeps the mantissa whole.
  let mantissa = abs;
  let exp = -9;
  while (mantissa % 1000n === 0n && exp < 18) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return exp === 0 ? `${sign}${mantissa}` : `${sign}${mantissa}e${exp}`;
  const suffix = Object.entries(DECIMAL_SUFFIX).find(([, e]) => e === exp)?.[0] ?? '';
  return `${sign}${mantissa}${suffix}`;
}

/** Canonicalises quantity text; returns the input unchanged when it does not parse. */
export function canonicalQuantity(input: string | number): string {
  try {
    return formatQuantity(parseQuantity(input));
  } catch {
    return String(input);
  }
}

/** A map of resource name → quantity text, parsed; entries that do not parse are skipped. */
export function parseResourceList(list: Record<string, unknown> | undefined): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (!list) return out;
  for (const [k, v] of Object.entries(list)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    try {
      out.set(k, parseQuantity(v));
    } catch {
      // validation reports malformed quantities; accounting ignores them
    }
  }
  return out;
}

