/**
 * Numbers as people type them in an English or a German form. A decimal comma is read as a
 * decimal point only where that is the one reading: "14,9" is 14.9, "0,9" is 0.9, and
 * "1,000,000" (groups of three) is a million. Text that could be either ("1,500": one and a
 * half, or fifteen hundred?) or that mixes both marks ("1,234.5", "1.234,5") is refused, so
 * a size is never silently read as ten times what was meant.
 */
export type DecimalText = { ok: true; text: string } | { ok: false; problem: 'mixed' | 'ambiguous' };

/** The number text with a decimal point (or unchanged when there is nothing to read). */
export function normaliseDecimal(raw: string): DecimalText {
  const text = raw.trim().replace(/_/g, '');
  if (!text.includes(',')) return { ok: true, text };
  if (text.includes('.')) return { ok: false, problem: 'mixed' };
  const commas = text.split(',').length - 1;
  if (commas === 1) {
    // "1,500" is fifteen hundred in English and one and a half in German; "0,500" is not a group.
    if (/^[-+]?[1-9]\d{0,2},\d{3}$/.test(text)) return { ok: false, problem: 'ambiguous' };
    return { ok: true, text: text.replace(',', '.') };
  }
  if (/^[-+]?[1-9]\d{0,2}(,\d{3})+$/.test(text)) return { ok: true, text: text.replace(/,/g, '') };
  // Not a number either way: the field's own format message says what is expected.
  return { ok: true, text };
}
