// SPDX-License-Identifier: Apache-2.0
import { loadRoutingFile } from './routing-file.js';
import { Router } from './router.js';
import type { RoutingFacts } from './routing.model.js';

/** The worked example of docs/routing.md (config/routing.example.yaml) parses and routes as the page says. */
describe('the worked routing example', () => {
  const router = new Router(loadRoutingFile('config/routing.example.yaml'), { canConvert: () => true });
  const facts = (over: Partial<RoutingFacts>): RoutingFacts => ({
    transactionId: 'f2b0c7de-6a55-4c53-9b9a-0a1d6f1f6a01',
    clientId: 'bank-a',
    channel: 'api',
    messageType: 'pacs.008.001.08',
    amount: { value: '250.00', currency: 'EUR' },
    creditorCountry: 'NL',
    creditorAgentBic: 'ABNANL2A',
    creditorAgentMemberId: null,
    clearingSystem: null,
    serviceLevel: null,
    localInstrument: null,
    categoryPurpose: null,
    ...over,
  });

  it('sends on-us payments to the core, urgent ones to the RTGS host, instant ones to the scheme', () => {
    expect(router.decide(facts({ creditorAgentBic: 'CLWYBEBB' }))).toMatchObject({ rule: 'on-us', candidates: ['core'] });
    expect(router.decide(facts({ serviceLevel: 'URGP' }))).toMatchObject({ rule: 'urgent', candidates: ['rtgs'], onNoRoute: 'hold' });
    expect(router.decide(facts({ localInstrument: 'INST' }))).toMatchObject({ rule: 'instant', candidates: ['instant', 'rtgs'] });
  });

  it('picks the cheapest of wallet and instant for QR payments: the wallet for small amounts, the scheme above ~34 EUR', () => {
    // wallet: 0.01 + 12 bp; instant: 0.05 + 0.5 bp
    expect(router.decide(facts({ channel: 'qr', amount: { value: '10.00', currency: 'EUR' } })).candidates[0]).toBe('wallet');
    expect(router.decide(facts({ channel: 'qr', amount: { value: '4000.00', currency: 'EUR' } })).candidates[0]).toBe('instant');
  });

  it('refuses what no connector takes, naming each connector and why', () => {
    const d = router.decide(facts({ amount: { value: '250.00', currency: 'USD' } }));
    expect(d.candidates).toEqual([]);
    expect(d.refused.map((r) => [r.connector, r.code])).toEqual([
      ['instant', 'CURRENCY'],
      ['rtgs', 'CURRENCY'],
    ]);
  });
});
