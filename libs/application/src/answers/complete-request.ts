// SPDX-License-Identifier: Apache-2.0
import type { Payment } from '#domain';
import { completeMessage, type SaveDeps } from '../payment-steps.js';
import type { AnswerWriter } from './answer.writer.js';

/** Ends a camt.056 transaction from the cancellation it asked for: ACSC when cancelled, RJCT with the refusal; its camt.029 is stored with it. */
export async function completeRequest(deps: SaveDeps, answers: AnswerWriter, requestId: string, p: Payment): Promise<void> {
  const refusal = p.details.cancellation?.refusal ?? { code: 'NARR', text: 'cancellation refused' };
  const cancelled = p.status === 'CANC';
  await completeMessage(deps, requestId, cancelled ? 'ACSC' : 'RJCT', cancelled ? undefined : refusal, async (request) => [
    await answers.resolutionForRequest(p.toSnapshot(), request),
  ]);
}
