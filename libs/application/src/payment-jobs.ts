// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot } from '#domain';
import { backoffDelay } from './backoff.js';
import { JobType, type Job } from './ports/work-queue.port.js';

function job(type: JobType, transactionId: string, step: string, dedupSuffix: string): Job {
  return { type, transactionId, groupKey: transactionId, deduplicationId: `${transactionId}:${step}:${dedupSuffix}` };
}

export const processJob = (id: string, suffix = 'initial'): Job => job(JobType.PROCESS, id, 'process', suffix);
export const releaseJob = (id: string, suffix = 'initial'): Job => job(JobType.RELEASE, id, 'release', suffix);
export const cancelJob = (id: string, suffix = 'initial'): Job => job(JobType.CANCEL, id, 'cancel', suffix);
export const returnJob = (id: string, suffix = 'initial'): Job => job(JobType.RETURN, id, 'return', suffix);

/** How long the next status request about an unknown outcome waits after the n-th: up to 4 s, doubling, at most 5 minutes. */
export function inquiryDelayMs(n: number): number {
  return backoffDelay(n, 4_000, 300_000);
}

/** The n-th status request (pacs.028) about a payment whose outcome at the host is unknown. */
export function inquiryJob(id: string, n: number, now: Date): Job {
  return { ...job(JobType.INQUIRE, id, 'inquire', String(n)), notBefore: new Date(now.getTime() + (n === 0 ? 0 : inquiryDelayMs(n))) };
}

/**
 * The job that carries a payment's next step from where it stands, or null when nothing is pending
 * (terminal with no cancellation or return under way, held for a decision, or not a payment).
 * Used by the recovery sweeper and by a consumer's redrive: each step checks the stored state first, so
 * re-running one never repeats what already succeeded.
 */
export function nextStepJob(p: PaymentSnapshot, dedupSuffix: string): Job | null {
  if ((p.kind ?? 'payment') !== 'payment') return null;
  if (p.cancellation && (p.cancellation.state === 'requested' || p.cancellation.state === 'pending')) {
    return cancelJob(p.id, dedupSuffix);
  }
  if (p.returnInfo && p.returnInfo.direction === 'outbound' && (p.returnInfo.state === 'requested' || p.returnInfo.state === 'pending')) {
    return returnJob(p.id, dedupSuffix);
  }
  switch (p.status) {
    case 'RCVD':
      return processJob(p.id, dedupSuffix);
    case 'ACTC':
    case 'ACSP':
      return releaseJob(p.id, dedupSuffix);
    case 'PDNG':
      if (p.investigation) return job(JobType.INQUIRE, p.id, 'inquire', dedupSuffix);
      return p.hold ? null : releaseJob(p.id, dedupSuffix);
    default:
      return null;
  }
}
