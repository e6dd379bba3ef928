// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { LEGACY_HOST, SCREENING_SERVICE } from '#application';
import { READINESS_CHECKS, type ReadinessCheck } from '../readiness.js';
import { HealthController, safeMessage } from './health.controller.js';
import { ProblemException } from './problem.js';

async function controller(checks: ReadinessCheck[], hostPing: () => Promise<void>, screening: unknown = null): Promise<HealthController> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [
      { provide: READINESS_CHECKS, useValue: checks },
      { provide: LEGACY_HOST, useValue: { name: 'http', ping: hostPing } },
      { provide: SCREENING_SERVICE, useValue: screening },
    ],
  }).compile();
  return moduleRef.get(HealthController);
}

const up = (key: string): ReadinessCheck => ({ key, ping: async () => {} });
const hostDown = async () => {
  throw new Error('legacy host health check failed: connect ECONNREFUSED http://user:pw@10.0.0.1:8081/health');
};

describe('HealthController', () => {
  it("readiness covers the instance's own dependencies only: the host being down does not matter", async () => {
    const health = await controller([up('store'), up('queue'), up('archive'), up('secrets')], hostDown);
    const result = await health.ready();
    expect(result.status).toBe('ok');
    expect(Object.keys(result.info ?? {})).toEqual(['store', 'queue', 'archive', 'secrets']);
  });

  it('a failed readiness is a 503 problem naming what is down, with the Terminus details and no URL', async () => {
    const broken: ReadinessCheck = {
      key: 'archive',
      ping: async () => {
        throw new Error('connect ECONNREFUSED https://key:secret@s3.local/bucket');
      },
    };
    const health = await controller([up('store'), broken], hostDown);
    const error = await health.ready().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProblemException);
    const problem = error as ProblemException;
    expect(problem.getStatus()).toBe(503);
    const body = problem.getResponse() as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'HEALTH.NOT_READY', status: 503, down: ['archive'], info: { store: { status: 'up' } } });
    expect(body.detail).toBe('not ready: archive down');
    expect(body.error).toMatchObject({ archive: { status: 'down' } });
    expect(JSON.stringify(body)).not.toMatch(/secret|s3\.local/);
  });

  it('the dependencies report: always an answer, each dependency up or down, no URL or credentials', async () => {
    const screening = {
      name: 'http',
      screen: async () => ({ result: 'clear' }),
      ping: async () => {},
    };
    const health = await controller([up('store')], hostDown, screening);
    const report = await health.dependencies();
    expect(report.status).toBe('degraded');
    expect(report.dependencies['host:http']).toMatchObject({ status: 'down' });
    expect(report.dependencies['host:http']!.message).toContain('ECONNREFUSED');
    expect(report.dependencies.screening).toEqual({ status: 'up' });
    expect(JSON.stringify(report)).not.toMatch(/pw@|10\.0\.0\.1/);
    const fine = await (await controller([up('store')], async () => {})).dependencies();
    expect(fine).toEqual({ status: 'ok', dependencies: { 'host:http': { status: 'up' } } });
  });

  it('takes URLs (with their credentials) out of a message', () => {
    expect(safeMessage(new Error('failed: amqps://u:p@broker:5671/vh and http://h/x'))).toBe('failed: <url> and <url>');
  });
});
