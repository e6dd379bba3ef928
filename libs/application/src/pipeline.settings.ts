// SPDX-License-Identifier: Apache-2.0
/** How the pipeline behaves; read from configuration by the composition root. */
export interface PipelineSettings {
  /** `proxy`: release to the legacy host. `core`: settle without a host. */
  mode: 'proxy' | 'core';
  /** A payment not moving for this long: rejected AB05 before release; after release, its outcome is investigated. */
  slaMs: number;
  /** A non-terminal payment not updated for this long gets its next step re-driven (stranded work). */
  recoveryAfterMs: number;
  /** Acked jobs are kept this long (deduplication window), then purged by the sweeper. */
  completedJobRetentionMs: number;
  /**
   * MODE=core only: settle against the gateway's own ledger (LedgerStore): the release step debits and
   * credits in the same write that moves the payment to ACSC, or rejects it (AM04, AC02, AC03, AM03).
   * Absent or false: core mode settles without accounts.
   */
  ledger?: boolean;
  /**
   * Publish every terminal status message to the outbound channel (STATUS_PUBLISHER) through a job written with
   * the status change. Off when no outbound channel is configured.
   */
  publishStatusReports?: boolean;
  /**
   * Most transactions one message may carry (a pain.001's CdtTrfTxInf): above it the message is refused with
   * MESSAGE.TOO_MANY_TRANSACTIONS and nothing is written. Absent: DEFAULT_MAX_TRANSACTIONS_PER_MESSAGE.
   */
  maxTransactionsPerMessage?: number;
  /** This region (REGION_ID): recorded as the home region of every transaction taken. Absent: none recorded. */
  regionId?: string;
}

export const DEFAULT_MAX_TRANSACTIONS_PER_MESSAGE = 250;

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  mode: 'proxy',
  slaMs: 5 * 60_000,
  recoveryAfterMs: 60_000,
  completedJobRetentionMs: 24 * 3_600_000,
};
