// SPDX-License-Identifier: Apache-2.0
import { Bic, Iban, partyCountry, Uetr } from './identifiers.js';

describe('Bic', () => {
  it('accepts 8 and 11 character BICs', () => {
    expect(Bic.parse('DEUTDEFF').countryCode).toBe('DE');
    expect(Bic.parse('DEUTDEFF500').value).toBe('DEUTDEFF500');
  });
  it('refuses malformed ones', () => {
    for (const bad of ['DEUTDEF', 'deutdeff', 'DEUT1EFF', 'DEUTDEFF5', '']) expect(Bic.isValid(bad)).toBe(false);
  });
});

describe('Iban', () => {
  it('accepts IBANs whose mod-97 check holds, with or without spaces', () => {
    expect(Iban.parse('DE89 3704 0044 0532 0130 00').value).toBe('DE89370400440532013000');
    expect(Iban.isValid('GB29NWBK60161331926819')).toBe(true);
    expect(Iban.isValid('NL91ABNA0417164300')).toBe(true);
  });
  it('refuses a wrong check digit and a wrong length for the country', () => {
    expect(() => Iban.parse('DE89370400440532013001')).toThrow(/mod-97/);
    expect(() => Iban.parse('DE8937040044053201300')).toThrow(/22 characters/);
  });
});

describe('Uetr', () => {
  it('accepts a lower-case UUID v4 only', () => {
    expect(Uetr.parse('eb6305c9-1f7f-49de-aed0-16487c27b42d').value).toBe('eb6305c9-1f7f-49de-aed0-16487c27b42d');
    expect(() => Uetr.parse('EB6305C9-1F7F-49DE-AED0-16487C27B42D')).toThrow();
    expect(() => Uetr.parse('eb6305c9-1f7f-19de-aed0-16487c27b42d')).toThrow();
  });
});

describe('partyCountry', () => {
  it('takes the postal country first, then the IBAN country, then the BIC country', () => {
    expect(partyCountry({ postal: 'CH', iban: 'DE89370400440532013000', bic: 'CLWYNL2A' })).toBe('CH');
    expect(partyCountry({ postal: null, iban: 'DE89370400440532013000', bic: 'CLWYNL2A' })).toBe('DE');
    expect(partyCountry({ postal: null, iban: null, bic: 'CLWYNL2AXXX' })).toBe('NL');
  });

  it('ignores sources that do not name a country', () => {
    expect(partyCountry({ postal: 'c', iban: '12345678', bic: 'USABA:021000021' })).toBeNull();
    expect(partyCountry({})).toBeNull();
  });
});
