// SPDX-License-Identifier: Apache-2.0
/**
 * Every message schema in config/schemas has, definition by definition, the content model of the
 * OFFICIAL schema of its message id in ../shared/iso20022/xsd: the same types reachable from the global
 * element, the same particles (names, types, order, minOccurs/maxOccurs), attributes and facets. This
 * complements the verdict tests (samples and edits), which only reach the constructs the samples use.
 *
 * Needs ../shared/iso20022 beside the checkout (or ISO20022_REFERENCE_DIR); fails without it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, referenceDir } from '../support/reference.js';
import { includesOf, modelDifferences, schemaModel } from '../support/schema-model.js';

const SCHEMAS = join(REPO_ROOT, 'config/schemas');
/** Message schemas of the project: the files with an ISO 20022 target namespace. */
const messageSchemas = readdirSync(SCHEMAS)
  .filter((f) => f.endsWith('.xsd') && /targetNamespace="urn:iso:std:iso:20022:tech:xsd:/.test(readFileSync(join(SCHEMAS, f), 'utf8')))
  .sort();

describe('the project schemas have the content model of the official ISO 20022 schemas', () => {
  it('finds the message schemas, each with its official counterpart', () => {
    expect(messageSchemas).toEqual(
      expect.arrayContaining([
        'head.001.001.02.xsd',
        'head.001.001.04.xsd',
        'pacs.008.001.08.xsd',
        'pacs.008.001.10.xsd',
        'pacs.008.001.12.xsd',
      ]),
    );
    const missing = messageSchemas.filter((f) => !existsSync(join(referenceDir(), 'xsd', f)));
    expect(missing).toEqual([]);
  });

  it.each(messageSchemas)('%s', (file) => {
    const ours = [join(SCHEMAS, file), ...includesOf(join(SCHEMAS, file)).map((f) => join(SCHEMAS, f))];
    const official = schemaModel([join(referenceDir(), 'xsd', file)]);
    const mine = schemaModel(ours);
    expect(modelDifferences(mine, official)).toEqual([]);
    expect(mine.types.size).toBeGreaterThan(10);
  });

  it('would notice a changed facet (the comparison is not blind)', () => {
    const official = schemaModel([join(referenceDir(), 'xsd', 'pacs.008.001.12.xsd')]);
    const changed = new Map(official.types);
    changed.set('Max35Text', changed.get('Max35Text')!.replace('maxLength=35', 'maxLength=36'));
    changed.delete('PostalAddress27');
    const diffs = modelDifferences({ root: official.root, types: changed }, official);
    expect(diffs).toHaveLength(2);
    expect(diffs.join('\n')).toContain('maxLength=36');
    expect(diffs.join('\n')).toContain('PostalAddress27: missing in ours');
  });
});
