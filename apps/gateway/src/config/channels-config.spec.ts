// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfiguration } from './configuration.js';

const dir = mkdtempSync(join(tmpdir(), 'clearway-merchants-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const YAML = `merchants:
  - guid: com.example.pay
    merchantId: M-1001
    creditor:
      name: Cafe Kranz GmbH
      account: DE44 5001 0517 5407 3249 31
      agent: INGDDEFF
      country: DE
`;

describe('gateway config: the payment channels', () => {
  it('loads a YAML merchant directory (IBAN compacted) and the default debtor agent', () => {
    const c = loadConfiguration({ MERCHANT_DIRECTORY_FILE: file('m.yaml', YAML), CHANNEL_DEBTOR_AGENT_BIC: 'CLWYDEFFXXX' }).channels;
    expect(c.debtorAgentBic).toBe('CLWYDEFFXXX');
    expect(c.merchants.find('COM.EXAMPLE.PAY', 'M-1001')?.creditor).toEqual({
      name: 'Cafe Kranz GmbH',
      iban: 'DE44500105175407324931',
      agentBic: 'INGDDEFF',
      country: 'DE',
    });
  });

  it('loads a JSON merchant directory', () => {
    const json = JSON.stringify({
      merchants: [{ guid: 'g', merchantId: 'm', creditor: { name: 'n', account: 'DE89370400440532013000', agent: 'COBADEFF' } }],
    });
    expect(loadConfiguration({ MERCHANT_DIRECTORY_FILE: file('m.json', json) }).channels.merchants.entries).toHaveLength(1);
  });

  it('has an empty directory and no default debtor agent when unset', () => {
    const c = loadConfiguration({}).channels;
    expect([c.merchants.entries.length, c.debtorAgentBic, c.merchantDirectoryFile]).toEqual([0, null, null]);
  });

  it('stops the start on a directory entry that is wrong, naming the variable and the entry', () => {
    const bad = file('bad.yaml', YAML.replace('DE44 5001 0517 5407 3249 31', 'DE44500105175407324932'));
    expect(() => loadConfiguration({ MERCHANT_DIRECTORY_FILE: bad })).toThrow(ConfigError);
    expect(() => loadConfiguration({ MERCHANT_DIRECTORY_FILE: bad })).toThrow(
      /MERCHANT_DIRECTORY_FILE .*merchants\[0\]\.creditor\.account/,
    );
  });

  it('stops the start on a missing file and on a bad CHANNEL_DEBTOR_AGENT_BIC', () => {
    expect(() => loadConfiguration({ MERCHANT_DIRECTORY_FILE: join(dir, 'absent.yaml') })).toThrow(/MERCHANT_DIRECTORY_FILE: cannot read/);
    expect(() => loadConfiguration({ CHANNEL_DEBTOR_AGENT_BIC: 'clwy' })).toThrow(/CHANNEL_DEBTOR_AGENT_BIC/);
  });
});
