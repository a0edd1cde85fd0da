import { getCountrySpecifications, isValidIBAN } from 'ibantools';

/** Luhn (mod 10) over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Card brand by issuer prefix and length, or undefined when no scheme issues such a number. */
export function cardBrand(digits: string): string | undefined {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === '4' && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && n === 15) return 'amex';
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && n >= 16 && n <= 19) {
    return 'discover';
  }
  if (p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19) return 'jcb';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p4 === 3095) && n >= 14 && n <= 19) {
    return 'diners';
  }
  if (p2 === 62 && n >= 16 && n <= 19) return 'unionpay';
  if ((p2 === 50 || (p2 >= 56 && p2 <= 58) || p2 === 63 || p2 === 67) && n >= 12 && n <= 19) return 'maestro';
  return undefined;
}

const ibanLengths: ReadonlyMap<string, number> = new Map(
  Object.entries(getCountrySpecifications())
    .filter(([, spec]) => spec.chars !== null)
    .map(([code, spec]) => [code, spec.chars!]),
);

/** Length of an IBAN for a country (e.g. 22 for DE), or undefined for countries without IBANs. */
export function ibanLength(countryCode: string): number | undefined {
  return ibanLengths.get(countryCode);
}

/** An IBAN in electronic format (no spaces): country format and mod-97 checksum, via ibantools. */
export function ibanValid(electronic: string): boolean {
  return isValidIBAN(electronic);
}

/**
 * German tax identification number (Steuerliche Identifikationsnummer, § 139b AO):
 * 11 digits, no leading zero; in the first ten, exactly one digit occurs twice or three
 * times (three only if not all three stand in a row); the eleventh is the ISO 7064
 * MOD 11,10 check digit of the first ten.
 */
export function steuerIdValid(digits: string): boolean {
  if (!/^[1-9]\d{10}$/.test(digits)) return false;
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 10; i++) counts[digits.charCodeAt(i) - 48]!++;
  const repeated = counts.filter((c) => c > 1);
  if (repeated.length !== 1 || repeated[0]! > 3) return false;
  if (repeated[0] === 3 && /(\d)\1\1/.test(digits.slice(0, 10))) return false;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (digits.charCodeAt(i) - 48 + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = (11 - product) % 10;
  return check === digits.charCodeAt(10) - 48;
}

/** ICAO 9303 check digit (weights 7, 3, 1; A=10 … Z=35) over document characters. */
export function icaoCheckDigit(chars: string): number {
  const weights = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    const value = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 90 ? c - 55 : 0;
    sum += value * weights[i % 3]!;
  }
  return sum % 10;
}

/** Letters German document numbers use (no vowels, no B, D, Q, S), per the BSI's scheme. */
const DOCUMENT_CHARS = /^[0-9CFGHJKLMNPRTVWXYZ]{9}$/;

/**
 * A German ID card (Personalausweis since 2010) or passport number followed by its check
 * digit: nine characters and the 7-3-1 check digit, as printed in the machine-readable zone.
 * ID cards start with L, M, N, P, R, T, V, W, X or Y; passports with C, F, G, H, J or K.
 */
export function germanDocumentKind(value: string): 'id-card' | 'passport' | undefined {
  if (value.length !== 10) return undefined;
  const body = value.slice(0, 9);
  if (!DOCUMENT_CHARS.test(body) || !/\d/.test(body)) return undefined;
  if (icaoCheckDigit(body) !== value.charCodeAt(9) - 48) return undefined;
  if ('LMNPRTVWXY'.includes(body[0]!)) return 'id-card';
  if ('CFGHJK'.includes(body[0]!)) return 'passport';
  return undefined;
}
