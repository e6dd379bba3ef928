// SPDX-License-Identifier: Apache-2.0
import type { FastifyRequest } from 'fastify';
import { loadConfiguration } from '../config/configuration.js';
import { apiEndpoint, AwsDiscoveryController } from './aws-compat.controller.js';

describe('apiEndpoint', () => {
  it.each([
    ['http', '127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https', 'api-eu-west-1.example.com', 'https://api-eu-west-1.example.com'],
    ['http', '[::1]:8080', 'http://[::1]:8080'],
  ])('answers %s://%s', (protocol, host, expected) => {
    expect(apiEndpoint({ protocol, host } as Pick<FastifyRequest, 'protocol' | 'host'>)).toBe(expected);
  });

  it.each(['', 'evil.example/<script>', 'a b', 'x@evil.example', 'host:port'])('does not echo the Host value %j', (host) => {
    expect(apiEndpoint({ protocol: 'http', host } as Pick<FastifyRequest, 'protocol' | 'host'>)).toBeNull();
  });
});

describe('AwsDiscoveryController (GET /)', () => {
  const controller = new AwsDiscoveryController(loadConfiguration({ REGION_ID: 'eu-west-1' }).compat);

  it('answers the guidance health fields, and nothing about transactions or dependencies', () => {
    const req = {
      id: 'req-1',
      protocol: 'http',
      host: 'gw.example:8080',
      headers: { 'x-transaction-id': '11111111-1111-4111-8111-111111111111', 'x-transaction-status': 'ACSC' },
    } as unknown as FastifyRequest;
    const body = controller.discover(req);
    expect(Object.keys(body).sort()).toEqual(
      ['api_endpoint', 'message', 'region_id', 'request_duration', 'request_id', 'request_timestamp'].sort(),
    );
    expect(body).toMatchObject({
      message: 'execution successful',
      region_id: 'eu-west-1',
      api_endpoint: 'http://gw.example:8080',
      request_id: 'req-1',
    });
    expect(body.request_timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });
});
