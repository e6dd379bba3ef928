import { ConfigError, loadGatewayConfig } from './gateway.config.js';

describe('gateway configuration: business rules and screening', () => {
  it('has no limit, no country lists and no screening by default', () => {
    const c = loadGatewayConfig({});
    expect(c.businessRules).toEqual({ amountLimits: null, creditorCountryAllow: null, creditorCountryDeny: [], order: [] });
    expect(c.maxAmount).toBeNull();
    expect(c.screening).toBeNull();
  });

  it('reads MAX_AMOUNT as a global and per-currency limits', () => {
    const c = loadGatewayConfig({ MAX_AMOUNT: '1000000.00, 150000000 JPY' });
    expect(c.businessRules.amountLimits).toEqual({ global: '1000000.00', perCurrency: { JPY: '150000000' } });
    expect(c.maxAmount).toBe('1000000.00');
    expect(() => loadGatewayConfig({ MAX_AMOUNT: 'a lot' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ MAX_AMOUNT: '5 XAU' })).toThrow(/^MAX_AMOUNT: XAU/);
  });

  it('reads the creditor country lists', () => {
    const c = loadGatewayConfig({ CREDITOR_COUNTRY_ALLOW: 'de,fr', CREDITOR_COUNTRY_DENY: 'KP, IR' });
    expect(c.businessRules).toMatchObject({ creditorCountryAllow: ['DE', 'FR'], creditorCountryDeny: ['KP', 'IR'] });
    expect(() => loadGatewayConfig({ CREDITOR_COUNTRY_DENY: 'Narnia' })).toThrow(/^CREDITOR_COUNTRY_DENY: "NARNIA"/);
  });

  it('reads BUSINESS_RULES_ORDER and refuses ids that are no rule', () => {
    expect(loadGatewayConfig({ BUSINESS_RULES_ORDER: 'creditor-country, currency' }).businessRules.order).toEqual(['creditor-country', 'currency']);
    expect(() => loadGatewayConfig({ BUSINESS_RULES_ORDER: 'currency,sanctions' })).toThrow(/"sanctions" is not a business rule/);
  });

  it('enables screening with SCREENING_URL, fail-closed and 2000 ms unless told otherwise', () => {
    expect(loadGatewayConfig({ SCREENING_URL: 'http://127.0.0.1:9/screen' }).screening).toEqual({
      url: 'http://127.0.0.1:9/screen',
      timeoutMs: 2000,
      failure: 'closed',
      authHeader: null,
    });
    const open = loadGatewayConfig({ SCREENING_URL: 'https://s.example/v1', SCREENING_FAILURE: 'open', SCREENING_TIMEOUT_MS: '250' });
    expect(open.screening).toMatchObject({ failure: 'open', timeoutMs: 250 });
    expect(() => loadGatewayConfig({ SCREENING_URL: 'ftp://x' })).toThrow(/SCREENING_URL must be an http\(s\) URL/);
    expect(() => loadGatewayConfig({ SCREENING_URL: 'http://x', SCREENING_FAILURE: 'maybe' })).toThrow(/SCREENING_FAILURE must be one of open, closed/);
    expect(() => loadGatewayConfig({ SCREENING_URL: 'http://x', SCREENING_TIMEOUT_MS: '0' })).toThrow(/SCREENING_TIMEOUT_MS/);
  });

  it('refuses credentials in SCREENING_URL and never repeats the URL in its errors', () => {
    expect(() => loadGatewayConfig({ SCREENING_URL: 'ldap://user:s3cret@host' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
    expect(() => loadGatewayConfig({ SCREENING_URL: 'https://user:s3cret@host/screen' })).toThrow(
      expect.objectContaining({ message: 'SCREENING_URL must not carry credentials; put them in SCREENING_AUTH_HEADER' }),
    );
  });
});
