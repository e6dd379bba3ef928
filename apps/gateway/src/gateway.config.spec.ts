import { ConfigError, loadGatewayConfig } from './gateway.config.js';

const BALANCES = '{"DE89370400440532013000":"1000.00 EUR","GB29NWBK60161331926819":"250.50 EUR","JP-ACC-1":"5000 JPY"}';

describe('gateway config: the core-mode ledger', () => {
  it('is on in MODE=core when LEDGER_OPENING_BALANCES is set, with the balances as decimal strings', () => {
    const c = loadGatewayConfig({ MODE: 'core', LEDGER_OPENING_BALANCES: BALANCES });
    expect(c.ledger).toEqual({
      enabled: true,
      ignored: [],
      openingBalances: [
        { id: 'DE89370400440532013000', balance: '1000.00', currency: 'EUR' },
        { id: 'GB29NWBK60161331926819', balance: '250.50', currency: 'EUR' },
        { id: 'JP-ACC-1', balance: '5000', currency: 'JPY' },
      ],
    });
  });

  it('is on with LEDGER_ENABLED=true and no balances, off by default, off in proxy mode (the settings named as ignored)', () => {
    expect(loadGatewayConfig({ MODE: 'core', LEDGER_ENABLED: 'true' }).ledger).toEqual({ enabled: true, openingBalances: [], ignored: [] });
    expect(loadGatewayConfig({ MODE: 'core' }).ledger.enabled).toBe(false);
    expect(loadGatewayConfig({ LEDGER_OPENING_BALANCES: BALANCES }).ledger).toEqual({
      enabled: false,
      openingBalances: [],
      ignored: ['LEDGER_OPENING_BALANCES'],
    });
  });

  it.each([
    ['not JSON', '{"A":', /not valid JSON/],
    ['an array', '["1.00 EUR"]', /must be a JSON object/],
    ['a number instead of a string', '{"ACC1":1000}', /LEDGER_OPENING_BALANCES\["ACC1"\] must be a string "<amount> <currency>"/],
    ['no currency', '{"ACC1":"1000.00"}', /\["ACC1"\] must be a string/],
    ['a negative amount', '{"ACC1":"-5.00 EUR"}', /\["ACC1"\] must be a string/],
    ['too many decimals', '{"ACC1":"1.001 EUR"}', /\["ACC1"\]: amount: EUR has 2 decimal/],
    ['an unknown currency', '{"ACC1":"1 XAU"}', /\["ACC1"\]: currency: XAU is not an active ISO 4217 currency/],
    ['a bad account id', '{"a b":"1 EUR"}', /account id "a b"/],
  ])('refuses %s with a message naming the setting', (_what, raw, message) => {
    expect(() => loadGatewayConfig({ MODE: 'core', LEDGER_OPENING_BALANCES: raw })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ MODE: 'core', LEDGER_OPENING_BALANCES: raw })).toThrow(message);
  });

  it('refuses LEDGER_ENABLED other than true/false, and LEDGER_ENABLED=false with balances', () => {
    expect(() => loadGatewayConfig({ MODE: 'core', LEDGER_ENABLED: 'yes' })).toThrow(/LEDGER_ENABLED must be true or false/);
    expect(() => loadGatewayConfig({ MODE: 'core', LEDGER_ENABLED: 'false', LEDGER_OPENING_BALANCES: BALANCES })).toThrow(/contradicts/);
  });
});
