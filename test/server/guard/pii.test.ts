import { findPii, piiEntities, scanPii } from '../../../server/guard/scanners/pii';

const all = { entities: piiEntities, defaultCountry: 'DE' };
const found = (text: string) => findPii(text, all).map((s) => [s.kind, text.slice(s.start, s.end)]);

describe('findPii', () => {
  it('finds IBANs in grouped and compact form, but not with a broken checksum', () => {
    expect(found('IBAN DE89 3704 0044 0532 0130 00 bitte.')).toEqual([['iban', 'DE89 3704 0044 0532 0130 00']]);
    expect(found('IBAN DE89370400440532013000.')).toEqual([['iban', 'DE89370400440532013000']]);
    expect(found('IBAN DE89 3704 0044 0532 0130 01 bitte.')).toEqual([]);
  });

  it('does not read the digits of an IBAN as a card or phone number', () => {
    expect(found('Konto: DE89 3704 0044 0532 0130 00')).toEqual([['iban', 'DE89 3704 0044 0532 0130 00']]);
  });

  it('finds payment cards only with a valid Luhn digit and an issuer prefix', () => {
    expect(found('Karte 4111 1111 1111 1111')).toEqual([['payment-card', '4111 1111 1111 1111']]);
    expect(found('Karte 4111-1111-1111-1111')).toEqual([['payment-card', '4111-1111-1111-1111']]);
    expect(found('Karte 4111 1111 1111 1112')).toEqual([]);
    expect(found('Nummer 9111 1111 1111 1111')).toEqual([]);
  });

  it('reads a Luhn-valid number labelled as an order number as no card', () => {
    expect(found('Order number 4111111111111111 shipped')).toEqual([]);
    expect(found('card 4111111111111111 charged')).toEqual([['payment-card', '4111111111111111']]);
  });

  it('finds German tax IDs printed grouped or compact, and rejects a failed check digit', () => {
    expect(found('Steuer-ID 86 095 742 719')).toEqual([['tax-id', '86 095 742 719']]);
    expect(found('Steuer-ID 86095742719')).toEqual([['tax-id', '86095742719']]);
    expect(found('Steuer-ID 86095742718')).toEqual([]);
  });

  it('tells ID cards from passports by their first letter', () => {
    expect(found('Ausweis T220001293, Pass C01X00T478')).toEqual([
      ['id-card', 'T220001293'],
      ['passport', 'C01X00T478'],
    ]);
  });

  it('finds e-mail addresses including umlauts, but not retina asset names or handles', () => {
    expect(found('Mail an anna.müller@beispiel.de.')).toEqual([['email', 'anna.müller@beispiel.de']]);
    expect(found('Use logo@2x.png and follow @leitstand')).toEqual([]);
  });

  it('validates phone numbers with libphonenumber and ignores dates and amounts', () => {
    expect(found('Ruf an: +49 30 12345678 oder 0170 1234567')).toEqual([
      ['phone', '+49 30 12345678'],
      ['phone', '0170 1234567'],
    ]);
    expect(found('Am 12.03.2024 kostete es 1.234.567,00 EUR')).toEqual([]);
  });

  it('finds IPv4 and IPv6 addresses but not version strings, OIDs or clock times', () => {
    expect(found('Von 192.168.1.10 und 2001:db8::8a2e:370:7334')).toEqual([
      ['ip-address', '192.168.1.10'],
      ['ip-address', '2001:db8::8a2e:370:7334'],
    ]);
    expect(found('Version 1.2.3.4, OID 1.3.6.1.4.1, um 10:30:45, std::vector')).toEqual([]);
  });

  it('reports only the configured entities', () => {
    const text = 'anna@example.com, 4111 1111 1111 1111';
    expect(findPii(text, { entities: ['email'], defaultCountry: 'DE' }).map((s) => s.kind)).toEqual(['email']);
  });
});

describe('scanPii', () => {
  it('counts findings per kind', () => {
    const outcome = scanPii('a@example.com b@example.org', all);
    expect(outcome.detected).toBe(true);
    expect(outcome.details).toEqual({ counts: { email: 2 } });
  });
});
