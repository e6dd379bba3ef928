import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { PaymentSnapshot } from '#domain';
import type { AgentId, Iso20022Codec } from '#iso20022';
import { CLOCK, ISO20022_CODEC, MESSAGE_ARCHIVE, PIPELINE_SETTINGS } from '../application.tokens.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import { JobType, type Job } from '../ports/work-queue.port.js';

export const STATUS_REPORT_TYPE = 'pacs.002.001.10';

const PUBLISH_MARK = ':publish:';

/** `BICFIXXX` stays a BIC; `USABA:021000021` is a clearing-system member id. */
export function agentFromKey(key: string | null): AgentId | null {
  if (!key) return null;
  const sep = key.indexOf(':');
  if (sep < 0) return { bic: key, clearingSystem: null, memberId: null, name: null };
  return { bic: null, clearingSystem: key.slice(0, sep) || null, memberId: key.slice(sep + 1), name: null };
}

export function agentKey(agent: AgentId | null | undefined): string | null {
  if (!agent) return null;
  if (agent.bic) return agent.bic;
  if (agent.memberId) return `${agent.clearingSystem ?? ''}:${agent.memberId}`;
  return null;
}

/**
 * Writes the pacs.002 status report of a payment from its stored details (the original message's
 * references) and keeps it in the archive as the transaction's outgoing message.
 */
@Injectable()
export class StatusReportWriter {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(PIPELINE_SETTINGS) private readonly settings: Pick<PipelineSettings, 'publishStatusReports'> | null = null,
  ) {}

  /**
   * Jobs to store with a terminal status (same write): publishing its report to the outbound channel when one
   * is configured. One per (transaction, status), so a retried step does not publish twice.
   */
  /** The MsgId of the report of a (transaction, status): deterministic, so a retried step writes the same one. */
  static reportMsgId(transactionId: string, status: string): string {
    return `CW${createHash('sha256').update(`${transactionId}|${status}`).digest('hex').slice(0, 30)}`;
  }

  /** The status a publish job (from followUpJobs) was written for. */
  static statusOfPublishJob(job: Pick<Job, 'type' | 'deduplicationId'>): string | null {
    if (job.type !== JobType.PUBLISH_STATUS) return null;
    const at = job.deduplicationId.lastIndexOf(PUBLISH_MARK);
    return at < 0 ? null : job.deduplicationId.slice(at + PUBLISH_MARK.length) || null;
  }

  followUpJobs(p: PaymentSnapshot): Job[] {
    if (!this.settings?.publishStatusReports) return [];
    return [
      {
        type: JobType.PUBLISH_STATUS,
        transactionId: p.id,
        groupKey: `${p.id}:publish`,
        deduplicationId: `${p.id}${PUBLISH_MARK}${p.status}`,
      },
    ];
  }

  build(p: PaymentSnapshot): string {
    const at = this.clock.now().toISOString();
    // Deterministic per (transaction, status): a retried step writes a report with the same MsgId.
    const msgId = StatusReportWriter.reportMsgId(p.id, p.status);
    return this.codec.writePacs002({
      msgId,
      creationDateTime: at.replace(/\.\d{3}Z$/, 'Z'),
      // The report goes back the way the payment came: its instructed agent reports to its instructing agent.
      instructingAgent: agentFromKey(p.instructedAgent),
      instructedAgent: agentFromKey(p.instructingAgent),
      original: {
        msgId: p.msgId,
        msgNmId: p.messageType,
        creationDateTime: p.creationDateTime,
        instrId: p.instrId,
        endToEndId: p.endToEndId,
        txId: p.txId,
        uetr: p.uetr,
        amount: p.amount,
        settlementDate: p.settlementDate,
      },
      status: p.status,
      reason: p.reason ? { code: p.reason.code, text: p.reason.text ?? null } : null,
      acceptanceDateTime: p.status === 'ACSC' ? at.replace(/\.\d{3}Z$/, 'Z') : null,
    });
  }

  /** Builds the report and archives it as the latest outgoing message of the transaction. */
  async write(p: PaymentSnapshot): Promise<void> {
    await this.archive.put({
      transactionId: p.id,
      direction: 'out',
      messageType: STATUS_REPORT_TYPE,
      channel: 'gateway',
      body: this.build(p),
      at: this.clock.now().toISOString(),
    });
  }
}
