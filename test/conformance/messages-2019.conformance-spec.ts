// SPDX-License-Identifier: Apache-2.0
/**
 * Conformance of the project's own 2019-generation schemas (config/schemas) for the messages of the
 * investigation, return and initiation flows: pacs.028.001.03, camt.056.001.08, camt.029.001.09,
 * pacs.004.001.09 and pain.001.001.09. The codec, running on the project schemas, must give the same
 * verdict as the OFFICIAL ISO 20022 schemas on every real sample and on systematic edits of every valid
 * sample; and each project schema must describe, type by type, the content model of the official one
 * (this also covers pacs.008.001.08, pacs.002.001.10 and head.001.001.02, whose shared types moved into
 * iso20022-common-2019.xsd).
 *
 * Needs ../shared/iso20022 beside the checkout (or ISO20022_REFERENCE_DIR). When it is missing the
 * suite FAILS with a message saying so; it never skips.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Iso20022Codec, Iso20022Error } from '#iso20022';
import {
  disposeOfficialValidators,
  ISO_NS,
  officialVerdict,
  REPO_ROOT,
  referenceDir,
  referenceDirCandidate,
  sampleFiles,
  xpathCount,
} from '../support/reference.js';
import { systematicMutations, type Mutation } from '../support/xml-mutations.js';
import { modelDifferences, schemaModel, typeOfPath } from '../support/xsd-model.js';

const SCHEMA_DIR = join(REPO_ROOT, 'config/schemas');

/** The messages of this suite and the element under their `Document`. */
const MESSAGES: [id: string, root: string][] = [
  ['pacs.028.001.03', 'FIToFIPmtStsReq'],
  ['camt.056.001.08', 'FIToFIPmtCxlReq'],
  ['camt.029.001.09', 'RsltnOfInvstgtn'],
  ['pacs.004.001.09', 'PmtRtr'],
  ['pain.001.001.09', 'CstmrCdtTrfInitn'],
];
/** Every project schema of the 2019 generation (they share iso20022-common-2019.xsd). */
const GENERATION_2019 = ['pacs.008.001.08', 'pacs.002.001.10', 'head.001.001.02', ...MESSAGES.map(([id]) => id)];
const KINDS = ['drop', 'repeat', 'swap', 'unknown element', 'value', 'attribute'];

let missing: Error | null = null;
const samples = new Map<string, string[]>();
try {
  referenceDir();
  for (const [id] of MESSAGES) samples.set(id, sampleFiles(id));
} catch (e) {
  missing = e as Error;
}
const read = (file: string): string => readFileSync(file, 'utf8');
const name = (file: string): string => basename(file);
const samplesOf = (id: string): string[] => samples.get(id) ?? [];

/** The codec's verdict: null when accepted, else the error code. */
function codecVerdict(codec: Iso20022Codec, xml: string): string | null {
  try {
    codec.parse(xml);
    return null;
  } catch (e) {
    if (e instanceof Iso20022Error) return e.code;
    throw e;
  }
}

/** Official verdicts of the mutations of one valid sample, computed once and shared by the tests. */
const mutationCache = new Map<string, { mutation: Mutation; officialValid: boolean; firstError: string }[]>();
function judgedMutations(id: string, file: string) {
  const key = `${id}|${file}`;
  let judged = mutationCache.get(key);
  if (!judged) {
    // one edit per schema type (see xml-mutations.ts); the types come from the OFFICIAL schema
    const typeOf = typeOfPath(schemaModel(join(referenceDir(), 'xsd', `${id}.xsd`)));
    judged = systematicMutations(read(file), typeOf).map((mutation) => {
      const v = officialVerdict(id, mutation.xml);
      return { mutation, officialValid: v.valid, firstError: v.errors[0] ?? '' };
    });
    mutationCache.set(key, judged);
  }
  return judged;
}

describe('2019 messages (pacs.028, camt.056, camt.029, pacs.004, pain.001): project schemas vs the official ISO 20022 schemas', () => {
  let codec: Iso20022Codec;

  beforeAll(async () => {
    if (missing) throw missing;
    codec = await Iso20022Codec.create({ schemaDir: SCHEMA_DIR });
  });
  afterAll(() => {
    codec?.dispose();
    disposeOfficialValidators();
  });

  it('has the reference data (official XSDs and samples for each message)', () => {
    if (missing) throw new Error(`${missing.message} (looked at ${referenceDirCandidate()})`);
    for (const [id] of MESSAGES) expect([id, samplesOf(id).length > 0]).toEqual([id, true]);
  });

  it('the referee agrees with samples/SOURCES.md on how many samples are valid', () => {
    const sources = read(join(referenceDir(), 'samples/SOURCES.md'));
    for (const [id] of MESSAGES) {
      const row = new RegExp(`^\\| ${id.replace(/\./g, '\\.')} \\| (\\d+) \\| (\\d+) \\|`, 'm').exec(sources);
      expect([id, row !== null]).toEqual([id, true]);
      const files = samplesOf(id);
      const valid = files.filter((f) => officialVerdict(id, read(f)).valid).length;
      expect([id, files.length, valid]).toEqual([id, Number(row![1]), Number(row![2])]);
    }
  });

  it('the codec takes the five messages', () => {
    expect(codec.supportedMessages()).toEqual(expect.arrayContaining(MESSAGES.map(([id]) => id)));
  });

  describe('(m) each project schema (with the common file) has the content model of the official schema, type by type', () => {
    it.each(GENERATION_2019.map((id) => [id]))('%s', (id) => {
      const mine = schemaModel(join(SCHEMA_DIR, `${id}.xsd`));
      const official = schemaModel(join(referenceDir(), 'xsd', `${id}.xsd`));
      expect(mine.files.map((f) => basename(f))).toEqual([`${id}.xsd`, 'iso20022-common-2019.xsd']);
      expect(modelDifferences(mine, official)).toEqual([]);
      // not vacuous: the official schema has the types this compares
      expect(official.types.size).toBeGreaterThan(10);
    });

    it('a changed facet is noticed', () => {
      const official = schemaModel(join(referenceDir(), 'xsd', 'pacs.004.001.09.xsd'));
      const mine = schemaModel(join(SCHEMA_DIR, 'pacs.004.001.09.xsd'));
      mine.types.set('Max35Text', mine.types.get('Max35Text')!.replace('value="35"', 'value="36"'));
      expect(modelDifferences(mine, official)).toEqual([expect.stringMatching(/^Max35Text: /)]);
    });
  });

  describe.each(MESSAGES)('%s', (id, root) => {
    describe('(a) the codec agrees with the official verdict on every sample', () => {
      it.each(samplesOf(id).map((f) => [name(f), f]))('%s', (_n, file) => {
        const xml = read(file);
        const official = officialVerdict(id, xml);
        const mine = codecVerdict(codec, xml);
        if (!official.valid) {
          expect(mine).toBe('ISO20022.SCHEMA_INVALID');
          return;
        }
        expect(official.errors).toEqual([]);
        expect(mine).toBeNull();
        const msg = codec.parse(xml);
        expect(msg.messageType).toBe(id);
        expect(msg.namespace).toBe(ISO_NS + id);
        expect(xpathCount(msg.document, ISO_NS + id, `/d:Document/d:${root}`)).toBe(1);
        if (official.appHdrVersion !== null) expect(msg.appHeader?.version).toBe(official.appHdrVersion);
        else expect(msg.appHeader).toBeNull();
      });
    });

    describe('(a2) systematic edits of each valid sample get the same verdict from both schema sets', () => {
      const cases = samplesOf(id).flatMap((f) => KINDS.map((kind) => [name(f), kind, f] as const));
      it.each(cases)('%s: %s', (_n, kind, file) => {
        if (!officialVerdict(id, read(file)).valid) return; // only valid samples are edited
        const judged = judgedMutations(id, file).filter((j) => j.mutation.kind === kind);
        const disagreements: string[] = [];
        for (const { mutation, officialValid, firstError } of judged) {
          const mine = codecVerdict(codec, mutation.xml);
          const agree = officialValid ? mine === null : mine === 'ISO20022.SCHEMA_INVALID';
          if (!agree) {
            disagreements.push(
              `${mutation.label}: official ${officialValid ? 'valid' : `invalid (${firstError})`}, codec ${mine ?? 'accepted'}`,
            );
          }
        }
        expect(disagreements).toEqual([]);
        if (kind !== 'attribute') expect(judged.length).toBeGreaterThan(0);
      });

      it('the edits are not vacuous: each family has edits the official schema rejects', () => {
        const valid = samplesOf(id).filter((f) => officialVerdict(id, read(f)).valid);
        expect(valid.length).toBeGreaterThan(0);
        const judged = valid.flatMap((f) => judgedMutations(id, f));
        const rejected = new Set(judged.filter((j) => !j.officialValid).map((j) => j.mutation.kind));
        const accepted = new Set(judged.filter((j) => j.officialValid).map((j) => j.mutation.kind));
        const present = new Set(judged.map((j) => j.mutation.kind));
        for (const kind of present) expect([kind, rejected.has(kind)]).toEqual([kind, true]);
        // dropping an optional element or repeating a repeatable one is fine: both outcomes occur
        expect(accepted.has('drop')).toBe(true);
        expect(accepted.has('value')).toBe(true);
        // the families the issue names: required element, code, length, amount digits, BIC/IBAN, order
        const labels = judged.filter((j) => !j.officialValid).map((j) => j.mutation.label);
        expect(labels.some((l) => l.startsWith('drop '))).toBe(true);
        expect(labels.some((l) => / (unknown code ZZZZ|36 characters|141 characters)$/.test(l))).toBe(true);
        expect(labels.some((l) => /^swap /.test(l))).toBe(true);
        const xml = valid.map(read).join('');
        if (/<(\w+:)?(BICFI|AnyBIC)>/.test(xml)) {
          expect(labels.some((l) => /\/(BICFI|AnyBIC) (lower case|one character more|one character less)$/.test(l))).toBe(true);
        }
        if (/<(\w+:)?IBAN>/.test(xml)) {
          expect(labels.some((l) => /\/IBAN (lower case|one character less|empty)$/.test(l))).toBe(true);
        }
        if (judged.some((j) => j.mutation.kind === 'attribute')) {
          expect(labels.some((l) => / (6 fraction digits|19 total digits|negative)$/.test(l))).toBe(true);
        }
      });
    });
  });
});
