// SPDX-License-Identifier: Apache-2.0
import { canConvertPacs008, isPacs008Generation, PACS008_GENERATIONS } from './pacs008-generations.js';

describe('canConvertPacs008 (static eligibility)', () => {
  it('is true between any two of .08, .10 and .12, the same one included', () => {
    for (const from of PACS008_GENERATIONS) {
      for (const to of PACS008_GENERATIONS) expect(canConvertPacs008(from, [to])).toBe(true);
    }
  });

  it('is true when one of several targets is a generation', () => {
    expect(canConvertPacs008('pacs.008.001.12', ['pacs.009.001.08', 'pacs.008.001.08'])).toBe(true);
  });

  it('is false for a source or targets that are not pacs.008 generations it converts', () => {
    expect(canConvertPacs008('pacs.008.001.09', ['pacs.008.001.08'])).toBe(false);
    expect(canConvertPacs008('pain.001.001.09', ['pacs.008.001.08'])).toBe(false);
    expect(canConvertPacs008('pacs.008.001.08', ['pacs.008.001.13'])).toBe(false);
    expect(canConvertPacs008('pacs.008.001.08', [])).toBe(false);
  });

  it('knows exactly the three generations', () => {
    expect([...PACS008_GENERATIONS]).toEqual(['pacs.008.001.08', 'pacs.008.001.10', 'pacs.008.001.12']);
    expect(isPacs008Generation('pacs.008.001.10')).toBe(true);
    expect(isPacs008Generation('urn:iso:std:iso:20022:tech:xsd:pacs.008.001.10')).toBe(false);
  });
});
