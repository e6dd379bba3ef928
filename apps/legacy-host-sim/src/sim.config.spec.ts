// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyFaultChanges,
  ConfigError,
  controlPortFromEnv,
  DEFAULT_FAULTS,
  hostOptions,
  hostSpecsFromEnv,
  optionsFromEnv,
  parseHostSpecs,
  resolveConfig,
} from './sim.config.js';
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

  describe('several named hosts (SIM_HOSTS)', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sim-hosts-config-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is off without SIM_HOSTS: one unnamed host', () => {
      expect(hostSpecsFromEnv({ SIM_PORT: '9000' })).toBeNull();
      expect(hostSpecsFromEnv({ SIM_HOSTS: '  ' })).toBeNull();
      expect(resolveConfig({}).name).toBeNull();
      expect(controlPortFromEnv({})).toBeNull();
    });

    it('reads an inline JSON list', () => {
      const specs = hostSpecsFromEnv({
        SIM_HOSTS: JSON.stringify([
          { name: 'rtgs', port: 9001, faults: { rejectSuffix: '0001', latencyMs: 5 }, seed: 'x' },
          { name: 'instant', port: 9002, dataFile: '/tmp/instant.jsonl' },
          { name: 'wallet' },
        ]),
      });
      expect(specs).toEqual([
        { name: 'rtgs', port: 9001, faults: { rejectSuffix: '0001', latencyMs: 5 }, seed: 'x' },
        { name: 'instant', port: 9002, dataFile: '/tmp/instant.jsonl' },
        { name: 'wallet' },
      ]);
    });

    it('reads a YAML or JSON file named by SIM_HOSTS (a list, or {hosts: [...]})', () => {
      const yaml = join(dir, 'hosts.yaml');
      writeFileSync(yaml, 'hosts:\n  - name: rtgs\n    port: 9001\n    faults:\n      down: true\n  - name: core\n');
      expect(hostSpecsFromEnv({ SIM_HOSTS: yaml })).toEqual([{ name: 'rtgs', port: 9001, faults: { down: true } }, { name: 'core' }]);
      const json = join(dir, 'hosts.json');
      writeFileSync(json, JSON.stringify([{ name: 'a', port: 0 }]));
      expect(hostSpecsFromEnv({ SIM_HOSTS: json })).toEqual([{ name: 'a', port: 0 }]);
      expect(() => hostSpecsFromEnv({ SIM_HOSTS: join(dir, 'missing.yaml') })).toThrow(/cannot be read: ENOENT/);
      expect(() => hostSpecsFromEnv({ SIM_HOSTS: '[{"name":' })).toThrow(/SIM_HOSTS is not valid JSON/);
    });

    it('refuses a bad list, naming the entry', () => {
      expect(() => parseHostSpecs([])).toThrow(/non-empty list/);
      expect(() => parseHostSpecs({ name: 'a' })).toThrow(/non-empty list/);
      expect(() => parseHostSpecs(['a'])).toThrow(/SIM_HOSTS\[0\] must be an object/);
      expect(() => parseHostSpecs([{ name: 'a b' }])).toThrow(/SIM_HOSTS\[0\]: name must be/);
      expect(() => parseHostSpecs([{ port: 1 }])).toThrow(/name must be/);
      expect(() => parseHostSpecs([{ name: 'a' }, { name: 'a' }])).toThrow(/SIM_HOSTS\[1\]: the name "a" is used twice/);
      expect(() =>
        parseHostSpecs([
          { name: 'a', port: 9001 },
          { name: 'b', port: 9001 },
        ]),
      ).toThrow(/\(b\): port 9001 is used twice/);
      expect(
        parseHostSpecs([
          { name: 'a', port: 0 },
          { name: 'b', port: 0 },
        ]),
      ).toHaveLength(2);
      expect(() => parseHostSpecs([{ name: 'a', port: 70000 }])).toThrow(/port must be a TCP port/);
      expect(() => parseHostSpecs([{ name: 'a', faults: { errorRate: 2 } }])).toThrow(/SIM_HOSTS\[0\] \(a\): errorRate must be/);
      expect(() => parseHostSpecs([{ name: 'a', faults: { nope: 1 } }])).toThrow(/unknown fault setting "nope"/);
      expect(() => parseHostSpecs([{ name: 'a', url: 'x' }])).toThrow(/unknown field "url"/);
      expect(() => parseHostSpecs([{ name: 'a', seed: 3 }])).toThrow(/seed must be a non-empty string/);
      expect(() => resolveConfig({ name: '' })).toThrow(/host name "" must be/);
    });

    it('lays each host over the shared SIM_* settings', () => {
      const shared = optionsFromEnv({
        SIM_PORT: '8081',
        SIM_HOST: '0.0.0.0',
        SIM_LATENCY_MS: '7',
        SIM_REJECT_SUFFIX: '1111',
        SIM_SEED: 's',
      });
      const [rtgs, core] = hostOptions(shared, [
        { name: 'rtgs', port: 9001, faults: { rejectSuffix: '0001' } },
        { name: 'core', host: '127.0.0.1', seed: 'own', dataFile: '/tmp/core.jsonl' },
      ]).map((o) => resolveConfig(o));
      expect(rtgs).toMatchObject({ name: 'rtgs', port: 9001, host: '0.0.0.0', seed: 's/rtgs', dataFile: null });
      expect(rtgs!.faults).toMatchObject({ latencyMs: 7, rejectSuffix: '0001' });
      // SIM_PORT is not used by a named host: absent means any free port
      expect(core).toMatchObject({ name: 'core', port: 0, host: '127.0.0.1', seed: 'own', dataFile: '/tmp/core.jsonl' });
      expect(core!.faults).toMatchObject({ latencyMs: 7, rejectSuffix: '1111' });
    });

    it('refuses a shared data file or the AMQP transport', () => {
      expect(() => hostOptions(optionsFromEnv({ SIM_DATA_FILE: '/tmp/x.jsonl' }), [{ name: 'a' }])).toThrow(/own "dataFile"/);
      expect(() => hostOptions(optionsFromEnv({ HOST_TRANSPORT: 'amqp' }), [{ name: 'a' }])).toThrow(/HTTP only/);
    });

    it('reads SIM_CONTROL_PORT', () => {
      expect(controlPortFromEnv({ SIM_CONTROL_PORT: '9100' })).toBe(9100);
      expect(controlPortFromEnv({ SIM_CONTROL_PORT: '0' })).toBe(0);
      expect(() => controlPortFromEnv({ SIM_CONTROL_PORT: 'x' })).toThrow(/SIM_CONTROL_PORT="x"/);
    });
  });
});
