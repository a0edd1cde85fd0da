import { isIPv4, isIPv6 } from 'node:net';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { cardBrand, germanDocumentKind, ibanLength, ibanValid, luhnValid, steuerIdValid } from './checksums';
import { type ScanOutcome, type Span, withoutOverlaps } from './types';

export const piiEntities = [
  'email',
  'phone',
  'iban',
  'payment-card',
  'tax-id',
  'id-card',
  'passport',
  'ip-address',
] as const;
export type PiiEntity = (typeof piiEntities)[number];

export interface PiiParams {
  entities: readonly PiiEntity[];
  /** Region for numbers written without a country code (ISO 3166-1 alpha-2). */
  defaultCountry: string;
}

// Every pattern below has bounded quantifiers, so a failed attempt costs at most a few
// dozen steps per starting position: linear in the text length. Each starts with what it
// consumes (a digit, a capital) so V8 can skip ahead; the "not glued to a preceding
// letter or digit" condition is checked on the character before a match (`after`), which
// for these runs is the same as a leading lookbehind but lets the engine skip.

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** True when the character before `index` satisfies `forbidden`. */
const after = (text: string, index: number, forbidden: RegExp) => index > 0 && forbidden.test(text[index - 1]!);

// Domain after an "@": labels and a letters-only top-level domain.
const EMAIL_DOMAIN = /(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.){1,8}\p{L}{2,24}(?![\p{L}\p{N}-])/uy;
const LOCAL_PART_CHAR = /[\p{L}\p{N}._%+-]/u;

// Digits with single separators; the number itself is judged by libphonenumber.
const PHONE_CANDIDATE = /(?:\+|\(\+?)?\d(?:[ \-./]?[\d()]){5,20}(?![\p{L}\p{N}])/gu;
const PHONE_NOT_AFTER = /[\p{L}\p{N}+_/.,-]/u;

const IBAN_START = /([A-Z]{2})(\d{2})/g;

// 12–19 digits, optionally grouped by single spaces or hyphens; not glued to other digits
// (so an IBAN's digits, "DE89 3704 …", do not start a card).
const CARD_CANDIDATE = /\d(?:[ -]?\d){11,18}(?![\p{N}]|[ -]\d)/gu;
const GLUED_TO_DIGITS = /\d[ -]$/;

const TAX_ID_CANDIDATE = /\d{2} ?\d{3} ?\d{3} ?\d{3}(?![\p{N}]|[ /.-]\d)/gu;
const TAX_NOT_AFTER = /[\p{L}\p{N}+]/u;
const TAX_GLUED = /\d[ /.-]$/;

const DOCUMENT_CANDIDATE = /[CFGHJKLMNPRTVWXY][0-9CFGHJKLMNPRTVWXYZ]{8}\d(?![\p{L}\p{N}])/gu;

const IPV4_CANDIDATE = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\p{N}]|\.\d)/gu;
const IPV4_NOT_AFTER = /[\p{L}\p{N}.]/u;
const IPV6_CHAR = /[0-9A-Fa-f:.]/;
// "Version 1.2.3.4", "build 10.0.19041.1": a dotted quad that names a release is no address.
const VERSION_CONTEXT = /(?:\bv|\bver\.?|version|release|build|firmware|revision|\brev\.?|patch|update|kernel|sdk|api)\s*[:=]?\s*$/i;

// "logo@2x.png" is a retina image name, not an address: file extensions are not TLDs.
const FILE_EXTENSION = /\.(?:png|jpe?g|gif|svg|webp|avif|ico|bmp|tiff?|css|js|mjs|ts|tsx|jsx|json|pdf|txt|md|html?|xml|ya?ml|zip|gz)$/i;

/** Anchored at each "@": local part read backwards (≤ 64 characters), domain forwards. */
function emails(text: string): Span[] {
  const spans: Span[] = [];
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && LOCAL_PART_CHAR.test(text[start - 1]!)) start--;
    if (start > 0 && LOCAL_PART_CHAR.test(text[start - 1]!)) continue; // local part longer than 64
    while (start < at && !LETTER_OR_DIGIT.test(text[start]!)) start++; // must start with a letter or digit
    if (start === at) continue;
    EMAIL_DOMAIN.lastIndex = at + 1;
    const domain = EMAIL_DOMAIN.exec(text);
    if (!domain) continue;
    const end = at + 1 + domain[0].length;
    if (FILE_EXTENSION.test(domain[0])) continue;
    if (spans.length > 0 && spans[spans.length - 1]!.end > start) continue;
    spans.push({ start, end, kind: 'email' });
  }
  return spans;
}

const isUpperAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90);

function ibans(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(IBAN_START)) {
    if (after(text, m.index, LETTER_OR_DIGIT)) continue;
    const length = ibanLength(m[1]!);
    if (length === undefined) continue;
    // Collect `length` letters/digits, allowing one space or hyphen between groups.
    let electronic = '';
    let i = m.index;
    while (i < text.length && electronic.length < length) {
      const c = text.charCodeAt(i);
      if (isUpperAlnum(c)) {
        electronic += text[i];
        i++;
      } else if ((c === 32 || c === 45) && isUpperAlnum(text.charCodeAt(i + 1)) && electronic.length >= 4) {
        i++;
      } else {
        break;
      }
    }
    if (electronic.length !== length || /[\p{L}\p{N}]/u.test(text[i] ?? '')) continue;
    if (ibanValid(electronic)) spans.push({ start: m.index, end: i, kind: 'iban' });
  }
  return spans;
}

// One random 16-digit number in ten passes Luhn; a label naming another numbering scheme
// right before it ("order number 5…", "Sendungsnummer 4…") says it is not a card.
const OTHER_NUMBER_LABEL =
  /(?:order|tracking|reference|ref|invoice|customer|account|ticket|article|serial|case|shipment|parcel|IMEI|ISBN|EAN|GTIN|Bestell|Sendungs|Vorgangs|Referenz|Rechnungs|Kunden|Auftrags|Artikel|Serien|Ticket|Paket|Fall|Akten)[\p{L}.-]{0,12}\s*(?:no\.?|nr\.?|number|nummer|id|#)?\s*[:#]?\s*$/iu;

function cards(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(CARD_CANDIDATE)) {
    if (after(text, m.index, LETTER_OR_DIGIT) || GLUED_TO_DIGITS.test(text.slice(Math.max(0, m.index - 2), m.index))) continue;
    if (OTHER_NUMBER_LABEL.test(text.slice(Math.max(0, m.index - 32), m.index))) continue;
    const raw = m[0];
    const separators = new Set(raw.replace(/\d/g, ''));
    if (separators.size > 1) continue; // "1234 5678-9012 3456" is not how cards are written
    const digits = raw.replace(/\D/g, '');
    if (cardBrand(digits) && luhnValid(digits)) spans.push({ start: m.index, end: m.index + raw.length, kind: 'payment-card' });
  }
  return spans;
}

function taxIds(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(TAX_ID_CANDIDATE)) {
    if (after(text, m.index, TAX_NOT_AFTER) || TAX_GLUED.test(text.slice(Math.max(0, m.index - 2), m.index))) continue;
    const raw = m[0];
    // Either no spaces or the printed grouping "12 345 678 901".
    if (raw.includes(' ') && !/^\d{2} \d{3} \d{3} \d{3}$/.test(raw)) continue;
    if (steuerIdValid(raw.replace(/ /g, ''))) spans.push({ start: m.index, end: m.index + raw.length, kind: 'tax-id' });
  }
  return spans;
}

function documents(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(DOCUMENT_CANDIDATE)) {
    if (after(text, m.index, LETTER_OR_DIGIT)) continue;
    const kind = germanDocumentKind(m[0]);
    if (kind) spans.push({ start: m.index, end: m.index + m[0].length, kind });
  }
  return spans;
}

function ipAddresses(text: string): Span[] {
  const spans: Span[] = [];
  if (text.includes('.')) {
    for (const m of text.matchAll(IPV4_CANDIDATE)) {
      if (after(text, m.index, IPV4_NOT_AFTER) || !isIPv4(m[0])) continue;
      if (VERSION_CONTEXT.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
      spans.push({ start: m.index, end: m.index + m[0].length, kind: 'ip-address' });
    }
  }
  // IPv6: the maximal run of hex digits, colons and dots around each colon; each
  // character is visited at most twice, and a run longer than an address is none.
  let covered = 0;
  for (let colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', Math.max(colon + 1, covered))) {
    let start = colon;
    while (start > covered && IPV6_CHAR.test(text[start - 1]!)) start--;
    let end = colon + 1;
    while (end < text.length && IPV6_CHAR.test(text[end]!)) end++;
    covered = end;
    if (end - start > 45) continue;
    if ((start > 0 && LETTER_OR_DIGIT.test(text[start - 1]!)) || (end < text.length && LETTER_OR_DIGIT.test(text[end]!))) continue;
    const raw = text.slice(start, end).replace(/\.+$/, '');
    const groups = raw.split(':').filter((g) => g !== '');
    const hexDigits = groups.reduce((n, g) => n + g.length, 0);
    if (groups.length < 2 || hexDigits < 4 || !isIPv6(raw)) continue;
    spans.push({ start, end: start + raw.length, kind: 'ip-address' });
  }
  return spans;
}

function phones(text: string, defaultCountry: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(PHONE_CANDIDATE)) {
    if (after(text, m.index, PHONE_NOT_AFTER)) continue;
    let raw = m[0];
    // A closing parenthesis may belong to the sentence, not the number.
    while (raw.endsWith(')') && (raw.match(/\(/g)?.length ?? 0) < (raw.match(/\)/g)?.length ?? 0)) raw = raw.slice(0, -1);
    const digits = raw.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    // Numbers without a country code must carry a trunk prefix or an area code in
    // parentheses; bare digit runs are order numbers, amounts and dates far more often.
    if (!/^(?:\+|00|0|\()/.test(raw)) continue;
    const parsed = parsePhoneNumberFromString(raw, defaultCountry as CountryCode);
    if (parsed?.isValid()) spans.push({ start: m.index, end: m.index + raw.length, kind: 'phone' });
  }
  return spans;
}

/** Finds personal data; checksum-validated kinds win over phone numbers on overlaps. */
export function findPii(text: string, params: PiiParams): Span[] {
  // Order is priority: a valid IBAN is not also reported as a phone number.
  let taken: Span[] = [];
  const add = (found: Span[]) => {
    taken = taken.concat(withoutOverlaps(found, taken));
  };
  add(ibans(text));
  add(cards(text));
  add(taxIds(text));
  add(documents(text));
  add(emails(text));
  add(ipAddresses(text));
  if (params.entities.includes('phone')) add(phones(text, params.defaultCountry));
  const wanted = new Set<string>(params.entities);
  return taken.filter((s) => wanted.has(s.kind)).sort((a, b) => a.start - b.start);
}

/** The `pii` check: every configured kind of personal data, each validated where a checksum exists. */
export function scanPii(text: string, params: PiiParams): ScanOutcome {
  const spans = findPii(text, params);
  const counts: Record<string, number> = {};
  for (const s of spans) counts[s.kind] = (counts[s.kind] ?? 0) + 1;
  return { detected: spans.length > 0, score: spans.length > 0 ? 1 : 0, spans, details: { counts } };
}
