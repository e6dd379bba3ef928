import { applyFaultChanges, ConfigError, DEFAULT_FAULTS, optionsFromEnv, resolveConfig } from './sim.config.js';
import { seededRandom } from './faults/prng.js';

describe('simulator configuration', () => {
  it('has the documented defaults', () => {
    const c = resolveConfig({});
    expect(c).toMatchObject({ port: 8081, host: '127.0.0.1', schemaDir: 'config/schemas', dataFile: null, seed: null, debug: false });
    expect(c.bodyLimit).toBe(2 * 1024 * 1024);
    expect(c.faults).toEqual({
      latencyMs: 0,
      latencyJitterMs: 0,
      errorRate: 0,
      timeoutRate: 0,
      timeoutMs: 30000,
      down: false,
      rejectSuffix: '9999',
      cancelWindowSeconds: 3600,
      dropAnswers: 0,
      dropAnswerRate: 0,
    });
  });

  it('reads SIM_* variables', () => {
    const o = optionsFromEnv({
      SIM_PORT: '18081',
      SIM_HOST: '0.0.0.0',
      SCHEMA_DIR: '/schemas',
      SIM_LATENCY_MS: '20',
      SIM_LATENCY_JITTER_MS: '5',
      SIM_ERROR_RATE: '0.1',
      SIM_TIMEOUT_RATE: '0.05',
      SIM_TIMEOUT_MS: '1000',
      SIM_DOWN: 'true',
      SIM_REJECT_SUFFIX: '0000',
      SIM_CANCEL_WINDOW_SECONDS: '60',
      SIM_DROP_ANSWERS: '2',
      SIM_DROP_ANSWER_RATE: '0.25',
      SIM_SEED: 'abc',
      SIM_DATA_FILE: '/tmp/x.jsonl',
      SIM_LOG: 'debug',
    });
    const c = resolveConfig(o);
    expect(c).toMatchObject({
      port: 18081,
      host: '0.0.0.0',
      schemaDir: '/schemas',
      seed: 'abc',
      dataFile: '/tmp/x.jsonl',
      debug: true,
      shutdownHooks: true,
    });
    expect(c.faults).toEqual({
      latencyMs: 20,
      latencyJitterMs: 5,
      errorRate: 0.1,
      timeoutRate: 0.05,
      timeoutMs: 1000,
      down: true,
      rejectSuffix: '0000',
      cancelWindowSeconds: 60,
      dropAnswers: 2,
      dropAnswerRate: 0.25,
    });
  });

  it('refuses bad values with the variable or setting named', () => {
    expect(() => optionsFromEnv({ SIM_ERROR_RATE: '2' })).toThrow(/errorRate/);
    expect(() => optionsFromEnv({ SIM_PORT: 'x' })).toThrow(/SIM_PORT/);
    expect(() => optionsFromEnv({ SIM_DOWN: 'maybe' })).toThrow(/SIM_DOWN/);
    expect(() => optionsFromEnv({ SIM_DROP_ANSWERS: '1.5' })).toThrow(/dropAnswers must be a whole number/);
    expect(() => optionsFromEnv({ SIM_DROP_ANSWER_RATE: '2' })).toThrow(/dropAnswerRate must be a number in 0\.\.1/);
    expect(() => applyFaultChanges(DEFAULT_FAULTS, { latencyMs: -1 })).toThrow(ConfigError);
    expect(() => applyFaultChanges(DEFAULT_FAULTS, { nope: 1 })).toThrow(/unknown fault setting/);
    expect(() => applyFaultChanges(DEFAULT_FAULTS, [])).toThrow(ConfigError);
    expect(applyFaultChanges(DEFAULT_FAULTS, { down: true, errorRate: 1 })).toMatchObject({ down: true, errorRate: 1, timeoutMs: 30000 });
  });

  it('seeds a repeatable PRNG', () => {
    const a = seededRandom('s1');
    const b = seededRandom('s1');
    const c = seededRandom('s2');
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });
});
