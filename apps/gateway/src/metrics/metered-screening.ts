// SPDX-License-Identifier: Apache-2.0
import { ScreeningUnavailableError, type ScreeningRequest, type ScreeningResult, type ScreeningService } from '#application';
import type { GatewayInstruments } from './instruments.js';

/**
 * The screening service with each call timed (`clearway_screening_duration_seconds`): outcome `clear`, `hit`,
 * `unavailable` (no verdict: the rule's SCREENING_FAILURE policy applies) or `error` (anything else). `ping`
 * is passed through when the service has one (GET /health/dependencies).
 */
export function meteredScreening(service: ScreeningService, instruments: GatewayInstruments): ScreeningService {
  const inner = service as ScreeningService & { ping?: () => Promise<void> };
  const metered: ScreeningService & { ping?: () => Promise<void> } = {
    name: service.name,
    async screen(request: ScreeningRequest): Promise<ScreeningResult> {
      const started = performance.now();
      let outcome = 'error';
      try {
        const result = await service.screen(request);
        outcome = result.kind;
        return result;
      } catch (e) {
        if (e instanceof ScreeningUnavailableError) outcome = 'unavailable';
        throw e;
      } finally {
        instruments.screening.observe({ service: service.name, outcome }, (performance.now() - started) / 1000);
      }
    },
  };
  if (inner.ping) metered.ping = () => inner.ping!();
  return metered;
}
