import {
  cardBrand,
  germanDocumentKind,
  icaoCheckDigit,
  ibanValid,
  luhnValid,
  steuerIdValid,
} from '../../../server/guard/scanners/checksums';

describe('luhnValid', () => {
  it('accepts a Luhn-valid number and rejects one with a changed digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('378282246310005')).toBe(true);
  });
  it('rejects non-digits and empty input', () => {
    expect(luhnValid('41111111111a1111')).toBe(false);
    expect(luhnValid('')).toBe(false);
  });
});

describe('cardBrand', () => {
  it('knows issuer prefixes together with their lengths', () => {
    expect(cardBrand('4111111111111111')).toBe('visa');
    expect(cardBrand('5555555555554444')).toBe('mastercard');
    expect(cardBrand('2221000000000009')).toBe('mastercard');
    expect(cardBrand('378282246310005')).toBe('amex');
    expect(cardBrand('6011111111111117')).toBe('discover');
  });
  it('refuses a known prefix with the wrong length and numbers no scheme issues', () => {
    expect(cardBrand('3782822463100051')).toBeUndefined(); // Amex prefix, 16 digits
    expect(cardBrand('9111111111111111')).toBeUndefined();
  });
});

describe('ibanValid', () => {
  it('checks the mod-97 checksum and the country format', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(ibanValid('DE8937040044053201300')).toBe(false); // one digit short for DE
  });
});

describe('steuerIdValid', () => {
  it('accepts published example IDs', () => {
    for (const id of ['86095742719', '65929970489', '57549285017', '25768131411']) expect(steuerIdValid(id)).toBe(true);
  });
  it('rejects a wrong check digit', () => {
    expect(steuerIdValid('86095742718')).toBe(false);
  });
  it('rejects a leading zero', () => {
    expect(steuerIdValid('06095742719')).toBe(false);
  });
  it('rejects ten distinct leading digits even with a correct MOD 11,10 digit', () => {
    // 1234567890 has no repeated digit; its check digit by ISO 7064 MOD 11,10 is 3.
    expect(steuerIdValid('12345678903')).toBe(false);
  });
  it('rejects a digit standing three times in a row', () => {
    // 1112345678: "1" three times consecutively; check digit computed for it is 7.
    let product = 10;
    for (const d of '1112345678') {
      let sum = (Number(d) + product) % 10;
      if (sum === 0) sum = 10;
      product = (sum * 2) % 11;
    }
    const check = (11 - product) % 10;
    expect(steuerIdValid(`1112345678${check}`)).toBe(false);
  });
});

describe('germanDocumentKind', () => {
  it('validates the 7-3-1 check digit of the specimen ID card and passport', () => {
    expect(icaoCheckDigit('T22000129')).toBe(3);
    expect(germanDocumentKind('T220001293')).toBe('id-card');
    expect(germanDocumentKind('C01X00T478')).toBe('passport');
  });
  it('rejects a wrong check digit and letters outside the document alphabet', () => {
    expect(germanDocumentKind('T220001294')).toBeUndefined();
    expect(germanDocumentKind('A220001293')).toBeUndefined(); // A is not an authority letter
    expect(germanDocumentKind('TABCDEFGH1')).toBeUndefined(); // vowels and B, D are not used
  });
});
