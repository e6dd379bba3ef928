// SPDX-License-Identifier: Apache-2.0
import { join, resolve } from 'node:path';
import { Iso20022Codec } from './iso20022.codec.js';
import type { Pacs008Input } from './iso20022.types.js';
import { buildPacs008 } from './pacs008.writer.js';

/** The XML without the indentation between elements. */
const flat = (xml: string): string => xml.replace(/>\s+</g, '><');
const schemaDir = join(resolve(import.meta.dirname, '../../..'), 'config/schemas');

function input(overrides: Partial<Pacs008Input['transaction']> = {}): Pacs008Input {
  return {
    msgId: 'M-1',
    creationDateTime: '2025-03-14T11:00:00Z',
    settlementMethod: 'INDA',
    clearingSystem: null,
    transaction: {
      instrId: null,
      endToEndId: 'E-1',
      txId: null,
      uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf',
      interbankSettlementAmount: { value: '12.50', currency: 'EUR' },
      interbankSettlementDate: '2025-03-14',
      instructedAmount: null,
      chargeBearer: 'SLEV',
      instructingAgent: null,
      instructedAgent: null,
      debtor: { name: 'Alice', country: null },
      debtorAccount: { iban: 'DE89370400440532013000', other: null },
      debtorAgent: { bic: 'COBADEFF', clearingSystem: null, memberId: null, name: null },
      creditorAgent: { bic: 'BNPAFRPP', clearingSystem: null, memberId: null, name: null },
      creditor: { name: 'Shop', country: 'FR', addressLines: ['1 rue de la Paix', '75002 Paris'] },
      creditorAccount: { iban: 'FR1420041010050500013M02606', other: null },
      remittanceInformation: 'invoice 42',
      ...overrides,
    },
  };
}

describe('buildPacs008', () => {
  let codec: Iso20022Codec;
  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir });
  });

  it('writes PmtTpInf (service level, local instrument, category purpose) right after PmtId, and it validates', () => {
    const xml = codec.writePacs008(input({ paymentType: { serviceLevel: 'SEPA', localInstrument: 'INST', categoryPurpose: 'SUPP' } }));
    expect(flat(xml)).toMatch(
      /<\/PmtId><PmtTpInf><SvcLvl><Cd>SEPA<\/Cd><\/SvcLvl><LclInstrm><Cd>INST<\/Cd><\/LclInstrm><CtgyPurp><Cd>SUPP<\/Cd><\/CtgyPurp><\/PmtTpInf><IntrBkSttlmAmt/,
    );
    expect(codec.parse(xml).messageType).toBe('pacs.008.001.08');
  });

  it('writes only the codes given, and no PmtTpInf at all when none is', () => {
    expect(flat(buildPacs008(input({ paymentType: { serviceLevel: 'URGP', localInstrument: null, categoryPurpose: null } })))).toContain(
      '<PmtTpInf><SvcLvl><Cd>URGP</Cd></SvcLvl></PmtTpInf>',
    );
    expect(flat(buildPacs008(input({ paymentType: { serviceLevel: null, localInstrument: null, categoryPurpose: null } })))).not.toContain(
      'PmtTpInf',
    );
    expect(buildPacs008(input())).not.toContain('PmtTpInf');
  });

  it('writes the creditor postal address: country, then its lines', () => {
    expect(flat(buildPacs008(input()))).toContain(
      '<Cdtr><Nm>Shop</Nm><PstlAdr><Ctry>FR</Ctry><AdrLine>1 rue de la Paix</AdrLine><AdrLine>75002 Paris</AdrLine></PstlAdr></Cdtr>',
    );
  });

  it('refuses a service level longer than the code set allows, naming the field', () => {
    expect(() => buildPacs008(input({ paymentType: { serviceLevel: 'TOOLONG', localInstrument: null, categoryPurpose: null } }))).toThrow(
      /transaction\.paymentType\.serviceLevel/,
    );
  });

  it('refuses more than 7 address lines', () => {
    expect(() => buildPacs008(input({ creditor: { name: 'Shop', country: null, addressLines: Array(8).fill('x') } }))).toThrow(
      /creditor\.addressLines/,
    );
  });
});
