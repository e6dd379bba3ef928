// SPDX-License-Identifier: Apache-2.0
/**
 * Conversion between pacs.008 generations with real XSD validation (libxml2-wasm, config/schemas): the
 * project's examples and the real samples of ../shared/iso20022 (read from ISO20022_REFERENCE_DIR at test
 * time, never copied into the project) go .08 → .10 → .12 and back; what a generation cannot carry is
 * refused with the element named.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Iso20022Codec, Iso20022Error } from './index.js';
import { convertPacs008, PACS008_GENERATIONS, type Pacs008Conversion, type Pacs008Generation } from './pacs008-generations.js';

const repo = resolve(import.meta.dirname, '../../..');
const examplesDir = join(repo, 'config/examples');
const referenceDir = process.env['ISO20022_REFERENCE_DIR'] ?? resolve(repo, '../shared/iso20022');
const NS = 'urn:iso:std:iso:20022:tech:xsd:';
const [V08, V10, V12] = PACS008_GENERATIONS;

/** Sample files of one message id in the reference data; the suite fails (never skips) when it is missing. */
function samples(messageId: string): string[] {
  if (!existsSync(join(referenceDir, 'samples'))) {
    throw new Error(
      `ISO 20022 reference samples not found at ${referenceDir}/samples (set ISO20022_REFERENCE_DIR); they are never copied into the project`,
    );
  }
  const dir = join(referenceDir, 'samples', messageId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => join(dir, f));
}

const examples = readdirSync(examplesDir)
  .filter((f) => f.startsWith('pacs.008.') && f.endsWith('.xml'))
  .sort()
  .map((f) => join(examplesDir, f));

function ok(r: Pacs008Conversion): string {
  if (!r.ok) throw new Error(`expected a conversion ${r.from} → ${r.to}, got the refusal: ${r.reason}`);
  return r.message;
}

function refusal(r: Pacs008Conversion): string {
  if (r.ok) throw new Error(`expected ${r.from} → ${r.to} to be refused, it converted`);
  return r.reason;
}

describe('convertPacs008 (real XSD validation)', () => {
  let codec: Iso20022Codec;
  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: join(repo, 'config/schemas') });
  });
  afterAll(() => codec.dispose());

  /** What the reader makes of a message, without the message type. */
  const fields = (xml: string): unknown => {
    const { messageType: _type, ...rest } = codec.readPacs008(codec.parse(xml));
    return rest;
  };

  /** Valid messages of a generation: the project's examples are .08, the samples are read from the reference data. */
  const validSamples = (id: string): [string, string][] =>
    samples(id)
      .map((f): [string, string] => [basename(f), readFileSync(f, 'utf8')])
      .filter(([, xml]) => {
        try {
          return codec.parse(xml).messageType === id;
        } catch (e) {
          if (e instanceof Iso20022Error) return false; // the deliberately invalid samples
          throw e;
        }
      });

  it.each(examples.map((f) => [basename(f), f]))('example %s goes .08 → .10 → .12 → .10 → .08 unchanged in content', (_name, file) => {
    const original = readFileSync(file, 'utf8');
    const to10 = ok(convertPacs008(codec, original, V10));
    const to12 = ok(convertPacs008(codec, to10, V12));
    expect(codec.parse(to10).messageType).toBe(V10);
    expect(codec.parse(to12).messageType).toBe(V12);
    expect(fields(to10)).toEqual(fields(original));
    expect(fields(to12)).toEqual(fields(original));
    expect(to12).not.toContain(`${NS}${V08}`);
    const back10 = ok(convertPacs008(codec, to12, V10));
    expect(back10).toBe(to10);
    expect(ok(convertPacs008(codec, back10, V08))).toBe(original);
    expect(ok(convertPacs008(codec, to12, V08))).toBe(original);
    // Deterministic.
    expect(ok(convertPacs008(codec, original, V12))).toBe(to12);
  });

  it('converts every valid real sample of .08 and .12 to each generation, or refuses it honestly', () => {
    const all = [...validSamples(V08), ...validSamples(V12)];
    expect(all.length).toBeGreaterThanOrEqual(10);
    const refused: string[] = [];
    for (const [name, xml] of all) {
      const from = codec.parse(xml).messageType as Pacs008Generation;
      for (const to of PACS008_GENERATIONS) {
        const r = convertPacs008(codec, xml, to);
        expect(r.from).toBe(from);
        expect(r.to).toBe(to);
        // The same rewrite done here by hand: the codec must refuse exactly what it refuses.
        const byHand = xml.replaceAll(`${NS}${from}`, `${NS}${to}`);
        let byHandValid = true;
        try {
          codec.parse(byHand);
        } catch (e) {
          if (!(e instanceof Iso20022Error)) throw e;
          byHandValid = false;
        }
        if (r.ok) {
          expect(byHandValid).toBe(true);
          expect(codec.parse(r.message).messageType).toBe(to);
          expect(fields(r.message)).toEqual(fields(xml));
          if (to !== from && codec.parse(r.message).appHeader !== null) expect(codec.parse(r.message).appHeader?.msgDefIdr).toBe(to);
          // Back again: the message as it came, but for an AppHdr that named another id than its Document
          // (one SWIFT sample heads a .12 Document with MsgDefIdr pacs.008.001.08): it now names the Document's.
          const asCame = to === from ? xml : xml.replace(/(MsgDefIdr>\s*)pacs\.008\.001\.\d\d/, `$1${from}`);
          expect(ok(convertPacs008(codec, r.message, from))).toBe(asCame);
        } else {
          expect(byHandValid).toBe(false);
          expect(r.reason).toMatch(new RegExp(`^${from} → ${to}`));
          expect(r.reason).toMatch(/CdtTrfTxInf\/|GrpHdr\//);
          refused.push(`${name} → ${to}: ${r.reason}`);
        }
      }
    }
    // The real differences show on real messages: Fedwire's structured remittance gives RfrdDocInf/RltdDt as a
    // date, which pacs.008.001.12 made a group (type and date).
    expect(refused.some((r) => r.includes('RfrdDocInf/RltdDt holds a value where pacs.008.001.12 has a group of elements'))).toBe(true);
  });

  it('converting to the generation the message already has returns it unchanged', () => {
    for (const file of examples) {
      const xml = readFileSync(file, 'utf8');
      const r = convertPacs008(codec, xml, V08);
      expect(r).toEqual({ ok: true, message: xml, from: V08, to: V08 });
    }
  });

  it("rewrites the AppHdr's MsgDefIdr to the target and keeps the AppHdr's own version", () => {
    const xml = readFileSync(join(examplesDir, 'pacs.008.001.08-apphdr.xml'), 'utf8');
    expect(codec.parse(xml).appHeader?.msgDefIdr).toBe(V08);
    const converted = ok(convertPacs008(codec, xml, V12));
    const parsed = codec.parse(converted);
    expect(parsed.messageType).toBe(V12);
    expect(parsed.appHeader?.msgDefIdr).toBe(V12);
    expect(parsed.appHeader?.version).toBe('head.001.001.02');
    expect(parsed.envelope).toBe('Envelope');
    // The namespace is declared on the envelope there; nothing else in the text changed.
    expect(converted).toBe(
      xml
        .replace(`xmlns:pacs="${NS}${V08}"`, `xmlns:pacs="${NS}${V12}"`)
        .replace(`<head:MsgDefIdr>${V08}</head:MsgDefIdr>`, `<head:MsgDefIdr>${V12}</head:MsgDefIdr>`),
    );
  });

  describe('refusals name the element that does not fit', () => {
    let v12: string;
    beforeAll(() => {
      v12 = ok(convertPacs008(codec, readFileSync(join(examplesDir, 'pacs.008.001.08.xml'), 'utf8'), V12));
    });

    /** The .12 example with `insert` put before `before` (first occurrence); valid .12. */
    const edit12 = (before: string, insert: string): string => {
      const at = v12.indexOf(before);
      expect(at).toBeGreaterThan(0);
      const xml = v12.slice(0, at) + insert + v12.slice(at);
      expect(codec.parse(xml).messageType).toBe(V12);
      return xml;
    };

    it('a .12 postal address with CareOf (added in .12) is refused going to .08 and .10', () => {
      const xml = edit12('<StrtNm>Hauptstrasse', '<CareOf>Finance Department</CareOf>\n          ');
      expect(refusal(convertPacs008(codec, xml, V08))).toMatch(
        /^pacs\.008\.001\.12 → pacs\.008\.001\.08 would drop CdtTrfTxInf\/Dbtr\/PstlAdr\/CareOf: not taken by pacs\.008\.001\.08 there/,
      );
      expect(refusal(convertPacs008(codec, xml, V10))).toContain(
        'would drop CdtTrfTxInf/Dbtr/PstlAdr/CareOf: not taken by pacs.008.001.10',
      );
    });

    it('a value longer than the target takes is refused without the value in the reason', () => {
      const long = 'Frankfurt am Main Nieder-Eschbach Gewerbegebiet Ost'; // 51 > 35 (.08, .10), <= 140 (.12)
      const xml = v12.replace('<TwnNm>Frankfurt am Main</TwnNm>', `<TwnNm>${long}</TwnNm>`);
      expect(codec.parse(xml).messageType).toBe(V12);
      const reason = refusal(convertPacs008(codec, xml, V08));
      expect(reason).toBe(
        'pacs.008.001.12 → pacs.008.001.08: the value of CdtTrfTxInf/Dbtr/PstlAdr/TwnNm does not fit pacs.008.001.08 (its maxLength 35)',
      );
      expect(reason).not.toContain('Eschbach');
    });

    it('a code the older generation does not have is refused (InstrForCdtrAgt/Cd)', () => {
      const xml = edit12('<RmtInf>', '<InstrForCdtrAgt><Cd>SBTW</Cd></InstrForCdtrAgt>\n      ');
      expect(refusal(convertPacs008(codec, xml, V08))).toBe(
        'pacs.008.001.12 → pacs.008.001.08: the value of CdtTrfTxInf/InstrForCdtrAgt/Cd does not fit pacs.008.001.08 (a code it does not have)',
      );
      // .10 takes any 4-letter code there.
      expect(codec.parse(ok(convertPacs008(codec, xml, V10))).messageType).toBe(V10);
    });

    it('an account known by its proxy only (.10 and .12) is refused going to .08, which requires Id', () => {
      const xml = v12.replace(
        '<CdtrAcct>\n        <Id>\n          <IBAN>NL29CLWY0417164300</IBAN>\n        </Id>\n      </CdtrAcct>',
        '<CdtrAcct>\n        <Prxy>\n          <Id>+31600000000</Id>\n        </Prxy>\n      </CdtrAcct>',
      );
      expect(codec.parse(xml).messageType).toBe(V12);
      const reason = refusal(convertPacs008(codec, xml, V08));
      expect(reason).toBe(
        'pacs.008.001.12 → pacs.008.001.08: CdtTrfTxInf/CdtrAcct would lack Id, which pacs.008.001.08 requires where the message has Prxy',
      );
      expect(codec.parse(ok(convertPacs008(codec, xml, V10))).messageType).toBe(V10);
    });

    it('supplementary data in the message namespace is refused; in its own namespace it converts', () => {
      const own = edit12(
        '</CdtTrfTxInf>',
        '<SplmtryData><Envlp><Note xmlns="urn:example:clearway:note">kept</Note></Envlp></SplmtryData>\n    ',
      );
      const converted = ok(convertPacs008(codec, own, V08));
      expect(converted).toContain('<Note xmlns="urn:example:clearway:note">kept</Note>');
      const inDocumentNs = edit12('</CdtTrfTxInf>', '<SplmtryData><Envlp><Note>moved</Note></Envlp></SplmtryData>\n    ');
      expect(refusal(convertPacs008(codec, inDocumentNs, V08))).toContain('CdtTrfTxInf/SplmtryData/Envlp/Note is supplementary data');
    });

    it('a message that is not a pacs.008, or a target that is not a generation, is refused', () => {
      const pacs002 = `<Document xmlns="${NS}pacs.002.001.10"><FIToFIPmtStsRpt/></Document>`;
      expect(convertPacs008(codec, pacs002, V12)).toEqual({
        ok: false,
        from: 'pacs.002.001.10',
        to: V12,
        reason: expect.stringContaining('not a pacs.008') as unknown,
      });
      expect(refusal(convertPacs008(codec, v12, 'pacs.008.001.09' as Pacs008Generation))).toContain('is not a pacs.008 generation');
    });
  });
});
