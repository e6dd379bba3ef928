// SPDX-License-Identifier: Apache-2.0
/**
 * The other 2021/2023-generation messages whose schemas Clearway writes (pacs.002.001.12 and .14, the
 * status reports answering pacs.008.001.10 and .12; camt.056.001.11 and its answer camt.029.001.13;
 * pacs.004.001.13): the codec (with config/schemas) gives the same verdict as the OFFICIAL schemas on
 * every sample of those ids (Document and AppHdr each) and on systematic edits of them. Their content
 * model is compared type by type in schema-models.conformance-spec.ts.
 *
 * Needs ../shared/iso20022 beside the checkout (or ISO20022_REFERENCE_DIR); fails without it, never skips.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Iso20022Codec, Iso20022Error } from '#iso20022';
import {
  disposeOfficialValidators,
  officialVerdict,
  REPO_ROOT,
  referenceDir,
  referenceDirCandidate,
  sampleFiles,
} from '../support/reference.js';
import { APPHDR_MUTATIONS, DOCUMENT_MUTATIONS, GENERIC_MUTATIONS, type Mutation } from '../support/schema-mutations.js';

const IDS = ['pacs.002.001.12', 'pacs.002.001.14', 'camt.056.001.11', 'camt.029.001.13', 'pacs.004.001.13'];

let missing: Error | null = null;
/** [message id, file name, text] of every sample of those ids. */
let samples: [string, string, string][] = [];
try {
  referenceDir();
  samples = IDS.flatMap((id) => sampleFiles(id).map((f): [string, string, string] => [id, basename(f), readFileSync(f, 'utf8')]));
} catch (e) {
  missing = e as Error;
}

/** The message id a text claims: the first ISO 20022 message namespace in it (not the header's). */
function messageIdOf(xml: string): string {
  const m = /urn:iso:std:iso:20022:tech:xsd:((?:pacs|camt|pain)\.\d{3}\.\d{3}\.\d{2})/.exec(xml);
  if (m === null) throw new Error('no ISO 20022 message namespace in the text');
  return m[1]!;
}

function codecVerdict(codec: Iso20022Codec, xml: string): string | null {
  try {
    codec.parse(xml);
    return null;
  } catch (e) {
    if (e instanceof Iso20022Error) return e.code;
    throw e;
  }
}

/** Valid samples only (checked again in the tests). */
const validBases = (): [string, string, string][] => samples.filter(([id, , xml]) => officialVerdict(id, xml).valid);
const allMutations: Mutation[] = [
  ...GENERIC_MUTATIONS,
  ...DOCUMENT_MUTATIONS.filter(([label]) => !GENERIC_MUTATIONS.some(([g]) => g === label)),
];
/** Mutations that apply to at least one sample (the others would assert nothing here). */
const applicable = missing === null ? allMutations.filter(([, fn]) => samples.some(([, , xml]) => fn(xml) !== null)) : [];
const headerMutations =
  missing === null ? APPHDR_MUTATIONS.filter(([, fn]) => samples.some(([, , xml]) => /AppHdr/.test(xml) && fn(xml) !== null)) : [];

describe('pacs.002.001.12/.14, camt.056.001.11, camt.029.001.13 and pacs.004.001.13 conformance with the official schemas', () => {
  let codec: Iso20022Codec;

  beforeAll(async () => {
    if (missing) throw missing;
    codec = await Iso20022Codec.create({ schemaDir: join(REPO_ROOT, 'config/schemas') });
  });
  afterAll(() => {
    codec?.dispose();
    disposeOfficialValidators();
  });

  it('has the reference data, a sample of every id, and the codec knows the ids', () => {
    if (missing) throw new Error(`${missing.message} (looked at ${referenceDirCandidate()})`);
    for (const id of IDS) expect(samples.filter(([sid]) => sid === id).length).toBeGreaterThan(0);
    expect(codec.supportedMessages()).toEqual(expect.arrayContaining(IDS));
  });

  it('the referee agrees with samples/SOURCES.md on how many samples are valid', () => {
    const sources = readFileSync(join(referenceDir(), 'samples/SOURCES.md'), 'utf8');
    for (const id of IDS) {
      const row = new RegExp(`^\\| ${id.replace(/\./g, '\\.')} \\| (\\d+) \\| (\\d+) \\|`, 'm').exec(sources);
      expect(row).not.toBeNull();
      const mine = samples.filter(([sid]) => sid === id);
      const valid = mine.filter(([, , xml]) => officialVerdict(id, xml).valid).length;
      expect([id, mine.length, valid]).toEqual([id, Number(row![1]), Number(row![2])]);
    }
  });

  describe('(a) every sample gets the official verdict', () => {
    it.each(samples.map(([id, file, xml]) => [`${id}/${file}`, id, xml]))('%s', (_n, id, xml) => {
      const official = officialVerdict(id, xml);
      if (!official.valid) {
        expect(['ISO20022.SCHEMA_INVALID', 'ISO20022.UNSUPPORTED_MESSAGE']).toContain(codecVerdict(codec, xml));
        return;
      }
      const msg = codec.parse(xml);
      expect(msg.messageType).toBe(id);
      if (official.appHdrVersion === null) expect(msg.appHeader).toBeNull();
      else expect(msg.appHeader?.version).toBe(official.appHdrVersion);
    });
  });

  describe('(b) systematic edits of the valid samples get the same verdict from both schema sets', () => {
    const check = (mutate: Mutation[1], headerOnly: boolean): void => {
      let compared = 0;
      const disagreements: string[] = [];
      for (const [id, file, xml] of validBases()) {
        if (headerOnly && !/AppHdr/.test(xml)) continue;
        const mutated = mutate(xml);
        if (mutated === null) continue;
        compared++;
        const official = officialVerdict(messageIdOf(mutated), mutated);
        const mine = codecVerdict(codec, mutated);
        const agree = official.valid ? mine === null : mine === 'ISO20022.SCHEMA_INVALID';
        if (!agree)
          disagreements.push(
            `${id}/${file}: official ${official.valid ? 'valid' : `invalid (${official.errors[0]})`}, codec ${mine ?? 'accepted'}`,
          );
      }
      expect(disagreements).toEqual([]);
      expect(compared).toBeGreaterThan(0);
    };
    it.each(applicable.map(([label, fn]) => [label, fn]))('%s', (_label, mutate) => check(mutate, false));
    it.each(headerMutations.map(([label, fn]) => [`${label}`, fn]))('%s', (_label, mutate) => check(mutate, true));

    it('many edits reach every message id, and most of them are refused', () => {
      for (const id of IDS) {
        let applied = 0;
        let refused = 0;
        for (const [sid, , xml] of validBases()) {
          if (sid !== id) continue;
          for (const [, fn] of [...applicable, ...headerMutations]) {
            const mutated = fn(xml);
            if (mutated === null) continue;
            applied++;
            if (codecVerdict(codec, mutated) !== null) refused++;
          }
        }
        expect({ id, enough: applied >= 30 }).toEqual({ id, enough: true });
        expect({ id, mostRefused: refused > applied / 2 }).toEqual({ id, mostRefused: true });
      }
    });
  });
});
