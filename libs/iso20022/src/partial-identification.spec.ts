// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Iso20022Codec } from './iso20022.codec.js';
import { Iso20022Error, type PartialIdentification } from './iso20022.types.js';
import { echoablePartial } from './partial-identification.js';

/* Issue 9, item 9 (the codec half): the ids of a refused message are kept only when a pacs.002 can echo them. */

const repo = resolve(import.meta.dirname, '../../..');
const BARE = readFileSync(join(repo, 'config/examples/pacs.008.001.08.xml'), 'utf8');

const VALID: Required<PartialIdentification> = {
  messageType: 'pacs.008.001.08',
  msgId: 'CLWY-EX-20250314-0001',
  creationDateTime: '2025-03-14T09:30:00+01:00',
  instrId: 'CLWY-EX-INSTR-0001',
  endToEndId: 'CLWY-EX-E2E-0001',
  txId: 'CLWY-EX-TX-0001',
  uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf',
};

describe('echoablePartial', () => {
  it('keeps every field that is valid for echo', () => {
    expect(echoablePartial(VALID)).toEqual(VALID);
    expect(echoablePartial({ msgId: 'x'.repeat(35), creationDateTime: '2025-03-14T09:30:00.123Z' })).toEqual({
      msgId: 'x'.repeat(35),
      creationDateTime: '2025-03-14T09:30:00.123Z',
    });
  });

  it.each([
    ['msgId', 'M'.repeat(36)],
    ['instrId', 'I'.repeat(36)],
    ['endToEndId', 'E'.repeat(40)],
    ['txId', 'T'.repeat(36)],
    ['messageType', 'pacs.008.001.08'.repeat(3)],
    ['creationDateTime', 'CURRENT_TIME'],
    ['creationDateTime', '2025-02-30T10:00:00Z'],
    ['creationDateTime', '2025-03-14'],
    ['uetr', 'not-a-uetr'],
    ['uetr', 'C5B81673-9BCF-4ED6-A394-B9D207705ECF'],
    ['uetr', 'c5b81673-9bcf-1ed6-a394-b9d207705ecf'],
    ['msgId', ''],
  ] as [keyof PartialIdentification, string][])('drops %s = %j and keeps the others', (key, value) => {
    const out = echoablePartial({ ...VALID, [key]: value });
    expect(out).not.toHaveProperty(key);
    const { [key]: _dropped, ...rest } = VALID;
    expect(out).toEqual(rest);
  });

  it('counts characters as XSD does (code points, not UTF-16 units)', () => {
    expect(echoablePartial({ msgId: '😀'.repeat(35) })).toEqual({ msgId: '😀'.repeat(35) });
    expect(echoablePartial({ msgId: '😀'.repeat(36) })).toEqual({});
  });
});

describe('Iso20022Codec: the ids of a schema-invalid message', () => {
  let codec: Iso20022Codec;

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: join(repo, 'config/schemas') });
  });

  afterAll(() => codec.dispose());

  function refusal(xml: string): Iso20022Error {
    try {
      codec.parse(xml);
    } catch (e) {
      if (e instanceof Iso20022Error) return e;
      throw e;
    }
    throw new Error('expected an Iso20022Error');
  }

  /** What a FF01 report of `partial` looks like (as the MQ front door and the submit handler build it). */
  function reportOf(partial: PartialIdentification): string {
    return codec.writePacs002({
      msgId: 'CLWY-STS-0001',
      creationDateTime: '2025-03-14T09:30:05Z',
      instructingAgent: null,
      instructedAgent: null,
      original: {
        msgId: partial.msgId!,
        msgNmId: partial.messageType!,
        creationDateTime: partial.creationDateTime ?? null,
        instrId: partial.instrId ?? null,
        endToEndId: partial.endToEndId ?? null,
        txId: partial.txId ?? null,
        uetr: partial.uetr ?? null,
        amount: null,
        settlementDate: null,
      },
      status: 'RJCT',
      reason: { code: 'FF01', text: 'schema validation failed' },
      acceptanceDateTime: null,
    });
  }

  it('leaves out a CreDtTm of CURRENT_TIME and a bad UETR; the FF01 report of the rest can be written', () => {
    const bad = BARE.replace('<CreDtTm>2025-03-14T09:30:00+01:00</CreDtTm>', '<CreDtTm>CURRENT_TIME</CreDtTm>').replace(
      '<UETR>c5b81673-9bcf-4ed6-a394-b9d207705ecf</UETR>',
      '<UETR>C5B81673-not-a-uetr</UETR>',
    );
    const err = refusal(bad);
    expect(err.code).toBe('ISO20022.SCHEMA_INVALID');
    expect(err.partial).toEqual({
      messageType: 'pacs.008.001.08',
      msgId: 'CLWY-EX-20250314-0001',
      instrId: 'CLWY-EX-INSTR-0001',
      endToEndId: 'CLWY-EX-E2E-0001',
      txId: 'CLWY-EX-TX-0001',
    });
    expect(reportOf(err.partial)).toContain('<OrgnlMsgId>CLWY-EX-20250314-0001</OrgnlMsgId>');
  });

  it('leaves out a MsgId of 36 characters (and an EndToEndId of 36), so no report echoes them', () => {
    const longId = 'M'.repeat(36);
    const bad = BARE.replace('<MsgId>CLWY-EX-20250314-0001</MsgId>', `<MsgId>${longId}</MsgId>`).replace(
      '<EndToEndId>CLWY-EX-E2E-0001</EndToEndId>',
      `<EndToEndId>${'E'.repeat(36)}</EndToEndId>`,
    );
    const err = refusal(bad);
    expect(err.code).toBe('ISO20022.SCHEMA_INVALID');
    expect(err.partial.msgId).toBeUndefined();
    expect(err.partial.endToEndId).toBeUndefined();
    expect(err.partial).toMatchObject({ messageType: 'pacs.008.001.08', creationDateTime: '2025-03-14T09:30:00+01:00', uetr: VALID.uetr });
    // Before: the writer threw on the echoed id, and the caller answered 500.
    expect(() => reportOf({ ...err.partial, msgId: longId })).toThrow(/msgId/);
  });

  it('every partial the codec gives out is one a pacs.002 can carry', () => {
    const variants = [
      BARE.replace('<ChrgBr>SHAR</ChrgBr>', '<ChrgBr>HALF</ChrgBr>'),
      BARE.replace('<MsgId>CLWY-EX-20250314-0001</MsgId>', `<MsgId>${'x'.repeat(35)}</MsgId>`).replace('<ChrgBr>SHAR', '<ChrgBr>HALF'),
      BARE.replace('<TxId>CLWY-EX-TX-0001</TxId>', '<TxId>   </TxId>').replace('<ChrgBr>SHAR', '<ChrgBr>HALF'),
    ];
    for (const xml of variants) {
      const err = refusal(xml);
      expect(err.partial.msgId).toBeDefined();
      expect(() => reportOf(err.partial)).not.toThrow();
    }
  });
});
