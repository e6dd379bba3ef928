// SPDX-License-Identifier: Apache-2.0
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayInstruments, statusClass } from './instruments.js';

/** The submission routes timed by `clearway_payment_submit_duration_seconds`. */
export const SUBMIT_ROUTES: ReadonlySet<string> = new Set(['/v1/inbox', '/inbox', '/v1/payments', '/v1/qr-payments']);

/**
 * Times every submission from the request's arrival to its response (Fastify's `reply.elapsedTime`), refusals
 * included (401, 403, 413, 415, 422, 429, 503), by route and status class.
 */
export function installSubmitTimer(app: NestFastifyApplication): void {
  const instruments = app.get(GatewayInstruments);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url;
      if (request.method !== 'POST' || !route || !SUBMIT_ROUTES.has(route)) return;
      instruments.submitDuration.observe({ route, status_class: statusClass(reply.statusCode) }, reply.elapsedTime / 1000);
    });
}
