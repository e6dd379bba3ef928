// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Iso20022Codec } from './iso20022.codec.js';
import { Iso20022Error } from './iso20022.types.js';

/*
 * Issue 10 point 3: the AWS guidance's own sample has its AppHdr and Document in no namespace (prefixes
 * declared, never used) in a <RequestPayload>. parse() stays strict; missingNamespace() says what the message
 * claims to be and puts the namespaces in, for the AWS-compatible /inbox to reject (RJCT FF01) or repair.
 */

const repo = resolve(import.meta.dirname, '../../..');
const BARE = readFileSync(join(repo, 'config/examples/pacs.008.001.08.xml'), 'utf8');
const PACS_NS = 'urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08';
const HEAD_NS = 'urn:iso:std:iso:20022:tech:xsd:head.001.001.02';
/** The example's Document, its namespace declared under a prefix that no element uses (as the guidance does). */
const DOC = BARE.slice(BARE.indexOf('<Document'), BARE.indexOf('</Document>') + 11).replace(`xmlns="${PACS_NS}"`, `xmlns:Doc="${PACS_NS}"`);
const MSG_ID = /<MsgId>([^<]+)</.exec(DOC)![1]!;

function appHdr(opts: { declared?: string; msgDefIdr?: string; creDt?: string } = {}): string {
  return [
    `<AppHdr xmlns:h="${opts.declared ?? HEAD_NS}">`,
    '<Fr><FIId><FinInstnId><BICFI>CLWYDEFF</BICFI></FinInstnId></FIId></Fr>',
    '<To><FIId><FinInstnId><BICFI>CLWYNL2A</BICFI></FinInstnId></FIId></To>',
    `<BizMsgIdr>GUIDANCE-SHAPE-1</BizMsgIdr><MsgDefIdr>${opts.msgDefIdr ?? 'pacs.008.001.08'}</MsgDefIdr>`,
    '<BizSvc>swift.cbprplus.01</BizSvc>',
    `<CreDt>${opts.creDt ?? '2025-03-14T09:30:00Z'}</CreDt>`,
    '</AppHdr>',
  ].join('\n');
}

const guidanceShape = (hdr = appHdr(), doc = DOC): string => `<RequestPayload>\n${hdr}\n${doc}\n</RequestPayload>\n`;
/** What curl --data makes of a file: CR and LF removed. */
const curlData = (text: string): string => text.replace(/[\r\n]/g, '');

describe('Iso20022Codec.missingNamespace', () => {
  let codec: Iso20022Codec;

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: join(repo, 'config/schemas') });
  });

  afterAll(() => codec.dispose());

  it('parse() stays strict: a Document in no namespace is UNSUPPORTED_MESSAGE', () => {
    expect(() => codec.parse(guidanceShape())).toThrow(expect.objectContaining({ code: 'ISO20022.UNSUPPORTED_MESSAGE' }));
  });

  it.each([
    ['as written', guidanceShape()],
    ['with CR/LF stripped (curl --data)', curlData(guidanceShape())],
    ['as bytes', new TextEncoder().encode(guidanceShape())],
  ])('names the message by its MsgDefIdr and puts the namespaces in (%s)', (_name, input) => {
    const found = codec.missingNamespace(input)!;
    const received = typeof input === 'string' ? input : guidanceShape();
    expect(found).toMatchObject({
      messageType: 'pacs.008.001.08',
      documentNamespace: PACS_NS,
      headerNamespace: HEAD_NS,
      partial: { messageType: 'pacs.008.001.08', msgId: MSG_ID },
      received,
    });
    // Only the two default-namespace declarations were added.
    expect(found.repaired.replace(` xmlns="${PACS_NS}"`, '').replace(` xmlns="${HEAD_NS}"`, '')).toBe(received);
    expect(found.repaired.split('\n').length).toBe(received.split('\n').length);
    const parsed = codec.parse(found.repaired);
    expect(parsed).toMatchObject({ messageType: 'pacs.008.001.08', envelope: 'RequestPayload', xml: found.repaired });
    expect(parsed.appHeader).toMatchObject({ version: 'head.001.001.02', bizMsgIdr: 'GUIDANCE-SHAPE-1', msgDefIdr: 'pacs.008.001.08' });
    expect(codec.readPacs008(parsed).groupHeader.msgId).toBe(MSG_ID);
  });

  it('puts the AppHdr in the head.001 version its start tag declares (head.001.001.04)', () => {
    const found = codec.missingNamespace(guidanceShape(appHdr({ declared: 'urn:iso:std:iso:20022:tech:xsd:head.001.001.04' })))!;
    expect(found.headerNamespace).toBe('urn:iso:std:iso:20022:tech:xsd:head.001.001.04');
    expect(codec.parse(found.repaired).appHeader?.version).toBe('head.001.001.04');
  });

  it("repairs only the namespace: the guidance's AppHdr CreDt (a date, not a date-time) still fails strict validation", () => {
    const found = codec.missingNamespace(guidanceShape(appHdr({ creDt: '2023-05-05' })))!;
    let error: unknown;
    try {
      codec.parse(found.repaired);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Iso20022Error);
    expect((error as Iso20022Error).code).toBe('ISO20022.SCHEMA_INVALID');
    expect((error as Iso20022Error).message).toContain('business application header');
    expect((error as Iso20022Error).partial.msgId).toBe(MSG_ID);
  });

  it('leaves the Document alone when only the AppHdr is in no namespace, and vice versa', () => {
    const namespacedDoc = DOC.replace(`xmlns:Doc="${PACS_NS}"`, `xmlns="${PACS_NS}"`);
    expect(codec.missingNamespace(guidanceShape(appHdr(), namespacedDoc))).toBeNull();
    const namespacedHdr = appHdr().replace(`xmlns:h="${HEAD_NS}"`, `xmlns="${HEAD_NS}"`);
    const found = codec.missingNamespace(guidanceShape(namespacedHdr))!;
    expect(found.headerNamespace).toBeNull();
    expect(codec.parse(found.repaired).messageType).toBe('pacs.008.001.08');
  });

  it.each([
    ['a bare Document (no AppHdr to name it)', DOC],
    ['an envelope without an AppHdr', `<RequestPayload>${DOC}</RequestPayload>`],
    ['a MsgDefIdr the codec has no schema of', guidanceShape(appHdr({ msgDefIdr: 'pacs.999.001.01' }))],
    ['a MsgDefIdr that is not a message id', guidanceShape(appHdr({ msgDefIdr: 'pacs.008.001.08 and more' }))],
    ['a MsgDefIdr naming the header itself', guidanceShape(appHdr({ msgDefIdr: 'head.001.001.02' }))],
    ['an explicit xmlns="" on the Document', guidanceShape(appHdr(), DOC.replace('<Document ', '<Document xmlns="" '))],
    ['a wrapper that is not taken', `<Message>${appHdr()}${DOC}</Message>`],
    ['a second Document', guidanceShape(appHdr(), `${DOC}${DOC}`)],
    ['not XML', '<RequestPayload><AppHdr>'],
    ['a DTD', `<!DOCTYPE RequestPayload [<!ENTITY x "y">]>${guidanceShape()}`],
  ])('answers null for %s', (_name, input) => {
    expect(codec.missingNamespace(input)).toBeNull();
  });
});
