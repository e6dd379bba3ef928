// SPDX-License-Identifier: Apache-2.0
/**
 * The routing facts the pacs.008 reader gives per transaction: payment type (service level, local instrument,
 * category purpose) at group or transaction level, the creditor agent's clearing member id and the clearing
 * system. Messages are schema-validated first (the codec), so every edit below is a valid pacs.008.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Iso20022Codec } from './iso20022.codec.js';
import { PACS008_GENERATIONS, convertPacs008 } from './pacs008-generations.js';

const repo = resolve(import.meta.dirname, '../../..');
const EXAMPLE = readFileSync(join(repo, 'config/examples/pacs.008.001.08.xml'), 'utf8');

/** The example with `group` after GrpHdr/SttlmInf, `tx` after PmtId and the creditor agent's FinInstnId given. */
function message(parts: { group?: string; tx?: string; settlement?: string; creditorAgent?: string }): string {
  let xml = EXAMPLE;
  if (parts.settlement !== undefined) xml = xml.replace('<SttlmMtd>INDA</SttlmMtd>', `<SttlmMtd>CLRG</SttlmMtd>${parts.settlement}`);
  if (parts.group !== undefined) xml = xml.replace('</SttlmInf>', `</SttlmInf><PmtTpInf>${parts.group}</PmtTpInf>`);
  if (parts.tx !== undefined) xml = xml.replace('</PmtId>', `</PmtId><PmtTpInf>${parts.tx}</PmtTpInf>`);
  if (parts.creditorAgent !== undefined) {
    xml = xml.replace(/(<CdtrAgt>\s*<FinInstnId>)[\s\S]*?(<\/FinInstnId>)/, `$1${parts.creditorAgent}$2`);
  }
  return xml;
}

describe('readPacs008: routing facts', () => {
  let codec: Iso20022Codec;
  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: join(repo, 'config/schemas') });
  });
  afterAll(() => codec.dispose());

  const read = (xml: string) => codec.readPacs008(codec.parse(xml)).transactions[0]!;

  it('are null when the message carries none', () => {
    expect(read(EXAMPLE)).toMatchObject({ serviceLevel: null, localInstrument: null, categoryPurpose: null, clearingSystem: null });
    expect(read(EXAMPLE).creditorAgent?.memberId).toBeNull();
  });

  it('come from the group header PmtTpInf when the transaction has none (the first SvcLvl; Cd or Prtry)', () => {
    const tx = read(
      message({
        group:
          '<SvcLvl><Cd>SEPA</Cd></SvcLvl><SvcLvl><Prtry>SECOND</Prtry></SvcLvl><LclInstrm><Prtry>INSTPAY</Prtry></LclInstrm><CtgyPurp><Cd>SUPP</Cd></CtgyPurp>',
      }),
    );
    expect(tx).toMatchObject({ serviceLevel: 'SEPA', localInstrument: 'INSTPAY', categoryPurpose: 'SUPP' });
  });

  it("come from the transaction's PmtTpInf, which wins field by field over the group's", () => {
    const tx = read(
      message({
        group: '<SvcLvl><Cd>SEPA</Cd></SvcLvl><CtgyPurp><Cd>SUPP</Cd></CtgyPurp>',
        tx: '<SvcLvl><Prtry>URGENT-X</Prtry></SvcLvl><LclInstrm><Cd>INST</Cd></LclInstrm>',
      }),
    );
    expect(tx).toMatchObject({ serviceLevel: 'URGENT-X', localInstrument: 'INST', categoryPurpose: 'SUPP' });
    const txOnly = read(message({ tx: '<SvcLvl><Cd>G001</Cd></SvcLvl><CtgyPurp><Prtry>PAYROLL</Prtry></CtgyPurp>' }));
    expect(txOnly).toMatchObject({ serviceLevel: 'G001', localInstrument: null, categoryPurpose: 'PAYROLL' });
  });

  it("read the creditor agent's member id and clearing system code, else the settlement's clearing system", () => {
    const byAgent = read(
      message({
        settlement: '<ClrSys><Cd>TGT</Cd></ClrSys>',
        creditorAgent: '<ClrSysMmbId><ClrSysId><Cd>USABA</Cd></ClrSysId><MmbId>021000021</MmbId></ClrSysMmbId>',
      }),
    );
    expect(byAgent.clearingSystem).toBe('USABA');
    expect(byAgent.creditorAgent?.memberId).toBe('021000021');
    const bySettlement = read(
      message({ settlement: '<ClrSys><Prtry>ROS</Prtry></ClrSys>', creditorAgent: '<ClrSysMmbId><MmbId>RO123</MmbId></ClrSysMmbId>' }),
    );
    expect(bySettlement.clearingSystem).toBe('ROS');
    expect(bySettlement.creditorAgent?.memberId).toBe('RO123');
    // The agent's proprietary clearing system id is not a code: the settlement's clearing system is used.
    const agentPrtry = read(
      message({
        settlement: '<ClrSys><Cd>TGT</Cd></ClrSys>',
        creditorAgent: '<ClrSysMmbId><ClrSysId><Prtry>LOCAL</Prtry></ClrSysId><MmbId>M1</MmbId></ClrSysMmbId>',
      }),
    );
    expect(agentPrtry.clearingSystem).toBe('TGT');
  });

  it('read the same in every generation', () => {
    const xml = message({
      group: '<SvcLvl><Cd>SEPA</Cd></SvcLvl>',
      tx: '<LclInstrm><Cd>INST</Cd></LclInstrm><CtgyPurp><Cd>SUPP</Cd></CtgyPurp>',
      settlement: '<ClrSys><Cd>TGT</Cd></ClrSys>',
    });
    for (const generation of PACS008_GENERATIONS) {
      const converted = convertPacs008(codec, xml, generation);
      if (!converted.ok) throw new Error(converted.reason);
      expect(read(converted.message)).toMatchObject({
        serviceLevel: 'SEPA',
        localInstrument: 'INST',
        categoryPurpose: 'SUPP',
        clearingSystem: 'TGT',
      });
    }
  });
});
