// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { diag } from 'libxml2-wasm';
import { Iso20022Codec } from './iso20022.codec.js';
import { Iso20022Error, type Pacs002Input } from './iso20022.types.js';

const repo = resolve(import.meta.dirname, '../../..');
const schemaDir = join(repo, 'config/schemas');
const example = (name: string): string => readFileSync(join(repo, 'config/examples', name), 'utf8');
const BARE = example('pacs.008.001.08.xml');
const ENVELOPE = example('pacs.008.001.08-apphdr.xml');
const AC04 = example('pacs.008.001.08-ac04.xml');

/** Runs `fn`, expects an Iso20022Error and returns it. */
function failure(fn: () => unknown): Iso20022Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Iso20022Error) return e;
    throw e;
  }
  throw new Error('expected an Iso20022Error, nothing was thrown');
}

/** 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at === -1) throw new Error(`not found: ${needle}`);
  return text.slice(0, at).split('\n').length;
}

function pacs002Input(overrides: Partial<Pacs002Input> = {}): Pacs002Input {
  return {
    msgId: 'CLWY-STS-0001',
    creationDateTime: '2025-03-14T09:30:05Z',
    instructingAgent: { bic: 'CLWYNL2A', clearingSystem: null, memberId: null, name: null },
    instructedAgent: { bic: null, clearingSystem: 'USABA', memberId: '021000021', name: 'Example Bank' },
    original: {
      msgId: 'CLWY-EX-20250314-0001',
      msgNmId: 'pacs.008.001.08',
      creationDateTime: '2025-03-14T09:30:00+01:00',
      instrId: 'CLWY-EX-INSTR-0001',
      endToEndId: 'CLWY-EX-E2E-0001',
      txId: 'CLWY-EX-TX-0001',
      uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf',
      amount: { value: '1250.00', currency: 'EUR' },
      settlementDate: '2025-03-14',
    },
    status: 'RJCT',
    reason: { code: 'AC04', text: 'closed account' },
    acceptanceDateTime: '2025-03-14T09:30:04Z',
    ...overrides,
  };
}

describe('Iso20022Codec', () => {
  let codec: Iso20022Codec;

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir });
  });
  afterAll(() => codec.dispose());

  it('compiles the project schemas once and lists the supported messages', () => {
    expect(codec.supportedMessages()).toEqual(expect.arrayContaining(['pacs.002.001.10', 'pacs.008.001.08']));
    expect(codec.supportedMessages()).not.toContain('head.001.001.02');
    expect(codec.supportedMessages()).toEqual(expect.arrayContaining(['pacs.008.001.10', 'pacs.008.001.12']));
    expect(codec.supportedHeaders()).toEqual(['head.001.001.02', 'head.001.001.04']);
    expect(codec.limits).toEqual({ maxBytes: 1024 * 1024, maxDepth: 64 });
  });

  describe('limits and hostile input', () => {
    it('refuses a message over the size limit (string and bytes) before parsing it', async () => {
      const small = await Iso20022Codec.create({ schemaDir, limits: { maxBytes: 2000 } });
      try {
        expect(failure(() => small.parse(BARE)).code).toBe('ISO20022.TOO_LARGE');
        expect(failure(() => small.parse(new TextEncoder().encode(BARE))).code).toBe('ISO20022.TOO_LARGE');
        // multi-byte characters count as bytes, not as UTF-16 units
        expect(failure(() => small.parse('€'.repeat(700))).code).toBe('ISO20022.TOO_LARGE');
      } finally {
        small.dispose();
      }
      expect(failure(() => codec.parse(`<Document>${' '.repeat(1024 * 1024)}</Document>`)).code).toBe('ISO20022.TOO_LARGE');
    });

    it('refuses deep nesting (TOO_DEEP), also beyond the parser’s own cap', () => {
      for (const depth of [70, 400]) {
        const xml = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</Document>`;
        const err = failure(() => codec.parse(xml));
        expect(err.code).toBe('ISO20022.TOO_DEEP');
        expect(err.message).toContain('64');
      }
      const custom = `<Document>${'<a>'.repeat(5)}${'</a>'.repeat(5)}</Document>`;
      return Iso20022Codec.create({ schemaDir, limits: { maxDepth: 5 } }).then((shallow) => {
        try {
          expect(failure(() => shallow.parse(custom)).code).toBe('ISO20022.TOO_DEEP');
        } finally {
          shallow.dispose();
        }
      });
    });

    it('refuses a billion-laughs DOCTYPE before libxml2 sees it', () => {
      const lol = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE lolz [',
        ' <!ENTITY lol "lol">',
        ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
        ']>',
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">&lol9;</Document>',
      ].join('\n');
      const started = performance.now();
      const err = failure(() => codec.parse(lol));
      expect(performance.now() - started).toBeLessThan(50);
      expect(err.code).toBe('ISO20022.DTD_FORBIDDEN');
      expect(err.issues[0]).toMatchObject({ line: 2 });
      expect(JSON.stringify(err)).not.toContain('lollol');
    });

    it('refuses an external entity (XXE) and never shows the file', () => {
      const xxe = [
        '\uFEFF<?xml version="1.0" encoding="UTF-8"?>',
        '<!-- a comment first --><?some-pi data?>',
        '<!DOCTYPE Document [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>',
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>&xxe;</FIToFICstmrCdtTrf></Document>',
      ].join('\n');
      for (const input of [xxe, new TextEncoder().encode(xxe)]) {
        const err = failure(() => codec.parse(input));
        expect(err.code).toBe('ISO20022.DTD_FORBIDDEN');
        const everything = `${err.message} ${JSON.stringify(err.issues)} ${JSON.stringify(err.partial)}`;
        expect(everything).not.toMatch(/root:|\/bin\/(ba)?sh|nologin/);
      }
      // A parameter-entity form and a lone ENTITY declaration are refused just the same.
      expect(failure(() => codec.parse('<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>')).code).toBe('ISO20022.DTD_FORBIDDEN');
      expect(failure(() => codec.parse('<?xml version="1.0"?>\n<!ENTITY x "y"><x/>')).code).toBe('ISO20022.DTD_FORBIDDEN');
    });

    it('treats an undeclared entity reference as not well-formed (no DTD, no expansion)', () => {
      const err = failure(() => codec.parse('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">&xxe;</Document>'));
      expect(err.code).toBe('ISO20022.NOT_XML');
    });

    it('does not mistake a DOCTYPE inside a comment or CDATA for a declaration', () => {
      const withComment = BARE.replace('<FIToFICstmrCdtTrf>', '<FIToFICstmrCdtTrf><!-- <!DOCTYPE x> -->');
      expect(codec.parse(withComment).messageType).toBe('pacs.008.001.08');
      const withCdata = BARE.replace('Invoice 2025-0042 &amp; 2025-0043', '<![CDATA[<!DOCTYPE & co]]>');
      const msg = codec.parse(withCdata);
      expect(codec.readPacs008(msg).transactions[0]!.remittanceInformation).toBe('<!DOCTYPE & co');
    });
  });

  describe('not XML', () => {
    it.each([
      ['plain text', 'hello world'],
      ['JSON', '{"msgId": "1"}'],
      ['empty', ''],
    ])('refuses %s', (_name, input) => {
      expect(failure(() => codec.parse(input)).code).toBe('ISO20022.NOT_XML');
    });

    it('reports the line of a syntax error', () => {
      const broken = BARE.replace('</Dbtr>', '</Debtor>');
      const err = failure(() => codec.parse(broken));
      expect(err.code).toBe('ISO20022.NOT_XML');
      expect(err.issues.length).toBeGreaterThan(0);
      expect(err.issues[0]!.line).toBe(lineOf(broken, '</Debtor>'));
    });

    it('refuses a declared encoding other than UTF-8 instead of reading it as UTF-8 (UNSUPPORTED_ENCODING)', () => {
      const xml = `<?xml version="1.0" encoding="ISO-8859-1"?>\n${BARE.replace('Muster Maschinenbau', 'Müller Maschinenbau')}`;
      for (const input of [xml, new TextEncoder().encode(xml)]) {
        const err = failure(() => codec.parse(input));
        expect(err.code).toBe('ISO20022.UNSUPPORTED_ENCODING');
        expect(err.message).toContain('ISO-8859-1');
      }
      for (const ok of ['UTF-8', 'utf-8', 'UTF8']) {
        expect(codec.parse(`<?xml version="1.0" encoding="${ok}"?>\n${BARE}`).messageType).toBe('pacs.008.001.08');
      }
    });

    it('refuses XInclude instead of passing it on (ENVELOPE_INVALID), and never processes it', () => {
      const xi = BARE.replace(
        '<FIToFICstmrCdtTrf>',
        '<FIToFICstmrCdtTrf xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/>',
      );
      const err = failure(() => codec.parse(xi));
      expect(err.code).toBe('ISO20022.ENVELOPE_INVALID');
      expect(err.message).toContain('XInclude');
      expect(JSON.stringify(err)).not.toMatch(/root:/);
    });

    it('refuses bytes that are not UTF-8 (INVALID_ENCODING, with the byte and line)', () => {
      const bytes = new TextEncoder().encode(BARE);
      const latin1 = new Uint8Array([...bytes.slice(0, 400), 0xe9, ...bytes.slice(400)]);
      const err = failure(() => codec.parse(latin1));
      expect(err.code).toBe('ISO20022.INVALID_ENCODING');
      expect(err.message).toContain('at byte 400');
      expect(err.issues[0]).toMatchObject({ line: BARE.slice(0, 400).split('\n').length, message: expect.stringContaining('E9') });
    });
  });

  describe('unsupported messages', () => {
    it('names the namespace it found', () => {
      const pacs009 = BARE.replace('xsd:pacs.008.001.08"', 'xsd:pacs.009.001.08"');
      const err = failure(() => codec.parse(pacs009));
      expect(err.code).toBe('ISO20022.UNSUPPORTED_MESSAGE');
      expect(err.message).toContain('urn:iso:std:iso:20022:tech:xsd:pacs.009.001.08');
      expect(err.partial.messageType).toBe('pacs.009.001.08');
    });

    it('refuses a Document without a namespace and XML without any Document', () => {
      const noNs = failure(() => codec.parse(BARE.replace(' xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"', '')));
      expect(noNs.code).toBe('ISO20022.UNSUPPORTED_MESSAGE');
      expect(noNs.message).toContain('without a namespace');
      const other = failure(() => codec.parse('<Invoice><Id>1</Id></Invoice>'));
      expect(other.code).toBe('ISO20022.UNSUPPORTED_MESSAGE');
      expect(other.message).toContain('Invoice');
    });

    it('does not accept a header schema as a message', () => {
      const hdr = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"/>';
      expect(failure(() => codec.parse(hdr)).code).toBe('ISO20022.UNSUPPORTED_MESSAGE');
    });
  });

  describe('schema validation', () => {
    it('reports SCHEMA_INVALID with the line numbers of the input and the ids it could read', () => {
      const invalid = BARE.replace('<ChrgBr>SHAR</ChrgBr>', '<ChrgBr>HALF</ChrgBr>').replace(
        '<BICFI>CLWYNL2A</BICFI>\n        </FinInstnId>\n      </CdtrAgt>',
        '<BICFI>not-a-bic</BICFI>\n        </FinInstnId>\n      </CdtrAgt>',
      );
      const err = failure(() => codec.parse(invalid));
      expect(err.code).toBe('ISO20022.SCHEMA_INVALID');
      const lines = err.issues.map((i) => i.line);
      expect(lines).toContain(lineOf(invalid, '<ChrgBr>HALF'));
      expect(lines).toContain(lineOf(invalid, 'not-a-bic'));
      expect(err.issues.every((i) => typeof i.message === 'string' && i.message.length > 0)).toBe(true);
      expect(err.partial).toEqual({
        messageType: 'pacs.008.001.08',
        msgId: 'CLWY-EX-20250314-0001',
        creationDateTime: '2025-03-14T09:30:00+01:00',
        instrId: 'CLWY-EX-INSTR-0001',
        endToEndId: 'CLWY-EX-E2E-0001',
        txId: 'CLWY-EX-TX-0001',
        uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf',
      });
    });

    it('counts lines from the start of the envelope, not of the Document', () => {
      const invalid = ENVELOPE.replace(
        '<pacs:IntrBkSttlmDt>2025-03-14</pacs:IntrBkSttlmDt>',
        '<pacs:IntrBkSttlmDt>14.03.2025</pacs:IntrBkSttlmDt>',
      );
      const err = failure(() => codec.parse(invalid));
      expect(err.code).toBe('ISO20022.SCHEMA_INVALID');
      expect(err.issues[0]!.line).toBe(lineOf(invalid, '14.03.2025'));
      expect(err.partial).toMatchObject({ msgId: 'CLWY-EX-20250314-0002', endToEndId: 'CLWY-EX-E2E-0002' });
    });

    it('validates the AppHdr against head.001.001.02', () => {
      const invalid = ENVELOPE.replace('<head:BizMsgIdr>CLWY-EX-20250314-0002</head:BizMsgIdr>\n', '');
      const err = failure(() => codec.parse(invalid));
      expect(err.code).toBe('ISO20022.SCHEMA_INVALID');
      expect(err.issues[0]!.message).toContain('MsgDefIdr');
      expect(err.message).toContain('business application header (head.001.001.02)');
      expect(err.issues[0]!.line).toBe(lineOf(invalid, '<head:MsgDefIdr>'));
      expect(err.partial.msgId).toBe('CLWY-EX-20250314-0002');
    });

    it('refuses an AppHdr outside the head.001 namespaces', () => {
      const invalid = ENVELOPE.replace('xmlns:head="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"', 'xmlns:head="urn:example:header"');
      const err = failure(() => codec.parse(invalid));
      expect(err.code).toBe('ISO20022.SCHEMA_INVALID');
      expect(err.issues[0]!.message).toContain('urn:example:header');
    });

    it('caps the number of issues', () => {
      const many = BARE.replace(/<BICFI>[A-Z0-9]+<\/BICFI>/g, '<BICFI>x</BICFI>').replace(/<Ctry>[A-Z]+<\/Ctry>/g, '<Ctry>x</Ctry>');
      const err = failure(() => codec.parse(many));
      expect(err.issues.length).toBeGreaterThanOrEqual(6);
      expect(err.issues.length).toBeLessThanOrEqual(50);
    });
  });

  describe('envelope and application header', () => {
    it('finds the Document and the AppHdr inside an envelope', () => {
      const msg = codec.parse(ENVELOPE);
      expect(msg.messageType).toBe('pacs.008.001.08');
      expect(msg.namespace).toBe('urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08');
      expect(msg.envelope).toBe('Envelope');
      expect(msg.appHeader).toMatchObject({
        fromParty: { kind: 'FIId', bic: 'CLWYDEFF', memberId: null, otherId: null },
        toParty: { kind: 'FIId', bic: 'CLWYNL2A' },
      });
      expect(msg.appHeader).toEqual({
        ...msg.appHeader,
        version: 'head.001.001.02',
        from: 'CLWYDEFF',
        to: 'CLWYNL2A',
        bizMsgIdr: 'CLWY-EX-20250314-0002',
        msgDefIdr: 'pacs.008.001.08',
        bizSvc: 'clearway.example.01',
        creationDate: '2025-03-14T09:31:00+01:00',
      });
    });

    it('cuts out a Document that stands alone (namespace inherited from the envelope added)', () => {
      const msg = codec.parse(ENVELOPE);
      expect(msg.document.slice(0, 200)).toMatch(
        /^<pacs:Document( xmlns="urn:swift:xsd:envelope")? xmlns:pacs="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">/,
      );
      expect(msg.document).not.toContain('AppHdr');
      expect(msg.document.trimEnd().endsWith('</pacs:Document>')).toBe(true);
      const again = codec.parse(msg.document);
      expect(again.envelope).toBeNull();
      expect(again.appHeader).toBeNull();
      expect(codec.readPacs008(again)).toEqual(codec.readPacs008(msg));
    });

    it('accepts other wrappers and a default-namespace AppHdr', () => {
      const body = BARE.slice(BARE.indexOf('<Document'));
      const hdr = [
        '<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">',
        '<Fr><FIId><FinInstnId><BICFI>CLWYDEFF</BICFI></FinInstnId></FIId></Fr>',
        '<To><FIId><FinInstnId><BICFI>CLWYNL2A</BICFI></FinInstnId></FIId></To>',
        '<BizMsgIdr>B-1</BizMsgIdr><MsgDefIdr>pacs.008.001.08</MsgDefIdr><CreDt>2025-03-14T09:30:00Z</CreDt>',
        '</AppHdr>',
      ].join('\n');
      const request = `<Request xmlns="SWIFTNetBusinessEnvelope">\n${hdr}\n${body}</Request>`;
      const msg = codec.parse(request);
      expect(msg.envelope).toBe('Request');
      expect(msg.appHeader).toMatchObject({ bizMsgIdr: 'B-1', bizSvc: null });
      const payload = `<RequestPayload>${body}</RequestPayload>`;
      expect(codec.parse(payload)).toMatchObject({ envelope: 'RequestPayload', appHeader: null });
      // Only the envelopes of ENVELOPE_FORMS are taken (a Payload level is not one of them).
      const deeper = `<RequestPayload><Payload>${body}</Payload></RequestPayload>`;
      expect(() => codec.parse(deeper)).toThrow(expect.objectContaining({ code: 'ISO20022.ENVELOPE_INVALID' }));
    });

    it('validates and reads a head.001.001.04 AppHdr as well', () => {
      const v04 = ENVELOPE.replace('xsd:head.001.001.02"', 'xsd:head.001.001.04"');
      expect(codec.parse(v04).appHeader).toMatchObject({ version: 'head.001.001.04', from: 'CLWYDEFF', to: 'CLWYNL2A' });
      const bad = v04.replace(/<head:CreDt>[^<]*</, '<head:CreDt>2025-03-14<');
      const err = failure(() => codec.parse(bad));
      expect(err.code).toBe('ISO20022.SCHEMA_INVALID');
      expect(err.message).toContain('head.001.001.04');
      expect(err.issues[0]).toMatchObject({ line: lineOf(bad, '<head:CreDt>') });
    });

    it('keeps a bare Document exactly as sent, without the leading comment', () => {
      const msg = codec.parse(BARE);
      expect(msg.envelope).toBeNull();
      expect(msg.appHeader).toBeNull();
      expect(msg.document).toBe(BARE.slice(BARE.indexOf('<Document'), BARE.indexOf('</Document>') + '</Document>'.length));
    });
  });

  describe('readPacs008', () => {
    it('reads the group header and the transaction of the project example', () => {
      const p = codec.readPacs008(codec.parse(BARE));
      expect(p.messageType).toBe('pacs.008.001.08');
      expect(p.groupHeader).toEqual({
        msgId: 'CLWY-EX-20250314-0001',
        creationDateTime: '2025-03-14T09:30:00+01:00',
        numberOfTransactions: 1,
        settlementMethod: 'INDA',
        clearingSystem: null,
        totalInterbankSettlementAmount: null,
        interbankSettlementDate: null,
        instructingAgent: null,
        instructedAgent: null,
      });
      expect(p.transactions).toHaveLength(1);
      expect(p.transactions[0]).toEqual({
        instrId: 'CLWY-EX-INSTR-0001',
        endToEndId: 'CLWY-EX-E2E-0001',
        txId: 'CLWY-EX-TX-0001',
        uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf',
        interbankSettlementAmount: { value: '1250.00', currency: 'EUR' },
        interbankSettlementDate: '2025-03-14',
        instructedAmount: null,
        chargeBearer: 'SHAR',
        instructingAgent: { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null },
        instructedAgent: { bic: 'CLWYNL2A', clearingSystem: null, memberId: null, name: null },
        debtor: { name: 'Muster Maschinenbau GmbH', country: 'DE' },
        debtorAccount: { iban: 'DE12500105170648489890', other: null },
        debtorAgent: { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null },
        creditor: { name: 'Voorbeeld Handel B.V.', country: 'NL' },
        creditorAccount: { iban: 'NL29CLWY0417164300', other: null },
        creditorAgent: { bic: 'CLWYNL2A', clearingSystem: null, memberId: null, name: null },
        remittanceInformation: 'Invoice 2025-0042 & 2025-0043',
        serviceLevel: null,
        localInstrument: null,
        categoryPurpose: null,
        clearingSystem: null,
      });
    });

    it('reads the AC04 example and the enveloped one (two Ustrd lines)', () => {
      expect(codec.readPacs008(codec.parse(AC04)).transactions[0]!.creditorAccount).toEqual({
        iban: 'DE42120300000012349999',
        other: null,
      });
      const tx = codec.readPacs008(codec.parse(ENVELOPE)).transactions[0]!;
      expect(tx.interbankSettlementAmount).toEqual({ value: '98765.43', currency: 'EUR' });
      expect(tx.remittanceInformation).toBe('Order 7781, first instalment\nContract CLWY-2025-17');
    });

    it('reads clearing-system member ids, Othr/Id accounts, group-level fields and several transactions', () => {
      const clrg = BARE.replace(
        '<DbtrAgt>\n        <FinInstnId>\n          <BICFI>CLWYDEFF</BICFI>',
        '<DbtrAgt>\n        <FinInstnId>\n          <ClrSysMmbId><ClrSysId><Cd>USABA</Cd></ClrSysId><MmbId>021000021</MmbId></ClrSysMmbId><Nm>First Example Bank</Nm>',
      )
        .replace('<IBAN>NL29CLWY0417164300</IBAN>', '<Othr><Id>000123456789</Id></Othr>')
        .replace(
          '<SttlmMtd>INDA</SttlmMtd>\n      </SttlmInf>',
          '<SttlmMtd>CLRG</SttlmMtd>\n        <ClrSys><Cd>FDW</Cd></ClrSys>\n      </SttlmInf>\n      <InstgAgt><FinInstnId><BICFI>CLWYUS33</BICFI></FinInstnId></InstgAgt>',
        )
        .replace(
          '<NbOfTxs>1</NbOfTxs>',
          '<NbOfTxs>2</NbOfTxs>\n      <TtlIntrBkSttlmAmt Ccy="EUR">2500.00</TtlIntrBkSttlmAmt>\n      <IntrBkSttlmDt>2025-03-15</IntrBkSttlmDt>',
        );
      const tx = clrg.slice(clrg.indexOf('<CdtTrfTxInf>'), clrg.indexOf('</CdtTrfTxInf>') + '</CdtTrfTxInf>'.length);
      const second = tx
        .replace('CLWY-EX-E2E-0001', 'CLWY-EX-E2E-0001B')
        .replace(/\s*<InstgAgt>[\s\S]*?<\/InstgAgt>/, '')
        .replace(/\s*<IntrBkSttlmDt>[\s\S]*?<\/IntrBkSttlmDt>/, '');
      const two = clrg.replace('</CdtTrfTxInf>', `</CdtTrfTxInf>\n    ${second}`);
      const p = codec.readPacs008(codec.parse(two));
      expect(p.groupHeader).toMatchObject({
        numberOfTransactions: 2,
        settlementMethod: 'CLRG',
        clearingSystem: 'FDW',
        totalInterbankSettlementAmount: { value: '2500.00', currency: 'EUR' },
        interbankSettlementDate: '2025-03-15',
        instructingAgent: { bic: 'CLWYUS33', clearingSystem: null, memberId: null, name: null },
      });
      expect(p.transactions).toHaveLength(2);
      expect(p.transactions[0]!.debtorAgent).toEqual({
        bic: null,
        clearingSystem: 'USABA',
        memberId: '021000021',
        name: 'First Example Bank',
      });
      expect(p.transactions[0]!.creditorAccount).toEqual({ iban: null, other: '000123456789' });
      expect(p.transactions[0]!.interbankSettlementDate).toBe('2025-03-14');
      // the second transaction has no InstgAgt / IntrBkSttlmDt of its own: the group's apply
      expect(p.transactions[1]!.endToEndId).toBe('CLWY-EX-E2E-0001B');
      expect(p.transactions[1]!.instructingAgent).toEqual({ bic: 'CLWYUS33', clearingSystem: null, memberId: null, name: null });
      expect(p.transactions[1]!.interbankSettlementDate).toBe('2025-03-15');
    });

    it('reads pacs.008.001.10 and .12 into the same shape as .08', () => {
      const v08 = codec.readPacs008(codec.parse(BARE));
      for (const version of ['pacs.008.001.10', 'pacs.008.001.12']) {
        const msg = codec.parse(BARE.replace('xsd:pacs.008.001.08"', `xsd:${version}"`));
        expect(msg.messageType).toBe(version);
        expect(codec.readPacs008(msg)).toEqual({ ...v08, messageType: version });
      }
    });

    it('reads a proxy-only account, which CashAccount40 (.10, .12) allows and CashAccount38 (.08) does not', () => {
      const iban = /<CdtrAcct>[\s\S]*?<\/CdtrAcct>/;
      const proxy = '<CdtrAcct><Prxy><Tp><Cd>TELE</Cd></Tp><Id>+31-612345678</Id></Prxy></CdtrAcct>';
      const v12 = BARE.replace('xsd:pacs.008.001.08"', 'xsd:pacs.008.001.12"').replace(iban, proxy);
      expect(codec.readPacs008(codec.parse(v12)).transactions[0]!.creditorAccount).toEqual({
        iban: null,
        other: null,
        proxy: '+31-612345678',
      });
      expect(failure(() => codec.parse(BARE.replace(iban, proxy))).code).toBe('ISO20022.SCHEMA_INVALID');
      const both = BARE.replace(
        '<IBAN>NL29CLWY0417164300</IBAN>\n        </Id>',
        '<IBAN>NL29CLWY0417164300</IBAN>\n        </Id><Prxy><Id>pay@example.nl</Id></Prxy>',
      );
      expect(codec.readPacs008(codec.parse(both)).transactions[0]!.creditorAccount).toEqual({
        iban: 'NL29CLWY0417164300',
        other: null,
        proxy: 'pay@example.nl',
      });
    });

    it('refuses to read another message type as a pacs.008', () => {
      const report = codec.parse(codec.writePacs002(pacs002Input()));
      expect(failure(() => codec.readPacs008(report)).code).toBe('ISO20022.UNSUPPORTED_MESSAGE');
    });
  });

  describe('writePacs002 / readPacs002', () => {
    it('writes a report that validates and carries the references, in schema order', () => {
      const xml = codec.writePacs002(pacs002Input());
      const msg = codec.parse(xml);
      expect(msg.messageType).toBe('pacs.002.001.10');
      for (const part of [
        '<OrgnlMsgId>CLWY-EX-20250314-0001</OrgnlMsgId>',
        '<OrgnlMsgNmId>pacs.008.001.08</OrgnlMsgNmId>',
        '<OrgnlEndToEndId>CLWY-EX-E2E-0001</OrgnlEndToEndId>',
        '<OrgnlUETR>c5b81673-9bcf-4ed6-a394-b9d207705ecf</OrgnlUETR>',
        '<TxSts>RJCT</TxSts>',
        '<Cd>AC04</Cd>',
        '<IntrBkSttlmAmt Ccy="EUR">1250.00</IntrBkSttlmAmt>',
        '<MmbId>021000021</MmbId>',
      ]) {
        expect(xml).toContain(part);
      }
      expect(codec.readPacs002(msg)).toEqual({
        originalMsgId: 'CLWY-EX-20250314-0001',
        originalEndToEndId: 'CLWY-EX-E2E-0001',
        originalUetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf',
        status: 'RJCT',
        reasonCode: 'AC04',
        reasonText: 'closed account',
      });
    });

    it('leaves out what is not given (ACSC without reason, agents, amount)', () => {
      const input = pacs002Input({ status: 'ACSC', reason: null, instructingAgent: null, instructedAgent: null, acceptanceDateTime: null });
      input.original = {
        ...input.original,
        instrId: null,
        txId: null,
        uetr: null,
        amount: null,
        settlementDate: null,
        creationDateTime: null,
      };
      const xml = codec.writePacs002(input);
      expect(xml).not.toMatch(/StsRsnInf|InstgAgt|OrgnlTxRef|OrgnlUETR|AccptncDtTm|OrgnlCreDtTm/);
      expect(codec.readPacs002(codec.parse(xml))).toMatchObject({ status: 'ACSC', reasonCode: null, reasonText: null, originalUetr: null });
    });

    it('escapes what it writes and cuts long narratives in 105-character lines', () => {
      const text = `Reason <with> "quotes" & 'apostrophes' ${'x'.repeat(200)}`;
      const input = pacs002Input({ msgId: 'A&B<C>"D\'', reason: { code: 'NARR', text } });
      const xml = codec.writePacs002(input);
      expect(xml).toContain('<MsgId>A&amp;B&lt;C&gt;"D\'</MsgId>');
      expect((xml.match(/<AddtlInf>/g) ?? []).length).toBe(3);
      const read = codec.readPacs002(codec.parse(xml));
      expect(read.reasonText).toBe(text);
      expect(read.reasonCode).toBe('NARR');
    });

    it('puts a reason code longer than four characters in Prtry', () => {
      const xml = codec.writePacs002(pacs002Input({ reason: { code: 'E4330', text: null } }));
      expect(xml).toContain('<Prtry>E4330</Prtry>');
      expect(codec.readPacs002(codec.parse(xml)).reasonCode).toBe('E4330');
    });

    it('refuses (RangeError, naming the field) an input that cannot make a valid report', () => {
      expect(() => codec.writePacs002(pacs002Input({ msgId: 'M'.repeat(36) }))).toThrow(
        new RangeError('msgId: must be 1 to 35 characters, got 36'),
      );
      expect(() => codec.writePacs002(pacs002Input({ msgId: 'bad\u0001char' }))).toThrow(RangeError);
    });

    it('reads the group status when there is no transaction status', () => {
      const xml = [
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"><FIToFIPmtStsRpt>',
        '<GrpHdr><MsgId>S1</MsgId><CreDtTm>2025-03-14T09:30:05Z</CreDtTm></GrpHdr>',
        '<OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pacs.008.001.08</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>',
        '<StsRsnInf><Rsn><Cd>FF01</Cd></Rsn><AddtlInf>bad format</AddtlInf></StsRsnInf></OrgnlGrpInfAndSts>',
        '</FIToFIPmtStsRpt></Document>',
      ].join('\n');
      expect(codec.readPacs002(codec.parse(xml))).toEqual({
        originalMsgId: 'M1',
        originalEndToEndId: null,
        originalUetr: null,
        status: 'RJCT',
        reasonCode: 'FF01',
        reasonText: 'bad format',
      });
    });
  });

  describe('resources', () => {
    it('releases every libxml2 object, on success and on every error path', async () => {
      diag.configure({ enabled: true });
      try {
        const local = await Iso20022Codec.create({ schemaDir });
        const inputs = [
          BARE,
          ENVELOPE,
          new TextEncoder().encode(AC04),
          'not xml',
          BARE.replace('<ChrgBr>SHAR', '<ChrgBr>HALF'),
          BARE.replace('xsd:pacs.008.001.08"', 'xsd:pacs.009.001.08"'),
          `<Document>${'<a>'.repeat(80)}${'</a>'.repeat(80)}</Document>`,
          '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        ];
        for (const input of inputs) {
          try {
            const msg = local.parse(input);
            local.readPacs008(msg);
          } catch (e) {
            if (!(e instanceof Iso20022Error)) throw e;
          }
        }
        local.writePacs002(pacs002Input());
        try {
          local.writePacs002(pacs002Input({ msgId: 'M'.repeat(36) }));
        } catch {
          // expected
        }
        local.dispose();
        const report = diag.report() as Record<string, unknown> | undefined;
        expect(report).toEqual({});
        expect(() => local.parse(BARE)).toThrow('disposed');
      } finally {
        diag.configure({ enabled: false });
      }
    });
  });
});
