// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { PaymentSnapshot } from '#domain';
import { PACS002_MESSAGE_ID, pacs002VersionFor, type AgentId, type Iso20022Codec, type ParsedMessage } from '#iso20022';
import { CLOCK, ISO20022_CODEC, MESSAGE_ARCHIVE, PIPELINE_SETTINGS } from '../application.tokens.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import { deterministicId, wrapAnswer } from '../answers/answer-header.js';
import { JobType, type Job } from '../ports/work-queue.port.js';
import type { OutgoingMessage } from '../outgoing-message.js';

/** The default pacs.002 version (answers pacs.008.001.08 and the 2019 generation): the library's own. */
export const STATUS_REPORT_TYPE = PACS002_MESSAGE_ID;

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
 * Builds the pacs.002 status report of a payment from its stored details (the original message's
 * references); the save path stores it with the state it reports.
 */
@Injectable()
export class StatusReportWriter {
  constructor(
    @Inject(ISO20022_CODEC) readonly codec: Iso20022Codec,
    @Inject(MESSAGE_ARCHIVE) readonly archive: MessageArchive,
    @Inject(CLOCK) readonly clock: Clock,
    @Optional() @Inject(PIPELINE_SETTINGS) private readonly settings: Pick<PipelineSettings, 'publishStatusReports'> | null = null,
  ) {}

  /** The MsgId of the report of a (transaction, status): deterministic, so a retried step writes the same one. */
  static reportMsgId(transactionId: string, status: string): string {
    return StatusReportWriter.msgId(`${transactionId}|${status}`);
  }

  /** The status a publish job (from followUpJobs) was written for: its payload. */
  static statusOfPublishJob(job: Pick<Job, 'type' | 'payload'>): string | null {
    if (job.type !== JobType.PUBLISH_STATUS) return null;
    return job.payload?.status ?? null;
  }

  /**
   * Jobs to store with a terminal status (same write): publishing its report to the outbound channel when one
   * is configured. One per (transaction, status), so a retried step does not publish twice.
   */
  followUpJobs(p: PaymentSnapshot): Job[] {
    if (!this.settings?.publishStatusReports) return [];
    return [
      {
        type: JobType.PUBLISH_STATUS,
        transactionId: p.id,
        groupKey: `${p.id}:publish`,
        deduplicationId: `${p.id}${PUBLISH_MARK}${p.status}`,
        payload: { status: p.status },
      },
    ];
  }

  /** The pacs.002 version of the generation of `messageType` (pacs.008 .08 -> .10, .10 -> .12, .12 -> .14). */
  static versionFor(messageType: string): string {
    return pacs002VersionFor(messageType);
  }

  build(p: PaymentSnapshot, msgIdSeed = `${p.id}|${p.status}`): string {
    const at = this.clock.now().toISOString();
    // Deterministic per (transaction, status): a retried step writes a report with the same MsgId.
    const msgId = StatusReportWriter.msgId(msgIdSeed);
    return this.codec.writePacs002({
      version: pacs002VersionFor(p.messageType),
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

  private static msgId(seed: string): string {
    return deterministicId(seed);
  }

  /** The pacs.002 of a payment as it stands (with an answering AppHdr when it came with one), to be saved with that state. */
  async report(p: PaymentSnapshot): Promise<OutgoingMessage> {
    const version = pacs002VersionFor(p.messageType);
    const document = this.build(p);
    const body = p.appHeader
      ? await wrapAnswer(this, { owner: p, messageType: version, document, bizMsgIdr: StatusReportWriter.msgId(`${p.id}|${p.status}`) })
      : document;
    return { messageType: version, channel: 'gateway', body };
  }

  /**
   * A pacs.002 about `reportFor` (its references and status) answering another transaction's message (a
   * pacs.028 status request, a pacs.004), for `targetId`'s outbox, with an answering AppHdr when `inbound` had one.
   */
  async answer(reportFor: PaymentSnapshot, targetId: string, inbound: ParsedMessage): Promise<OutgoingMessage> {
    const seed = `${targetId}|answer|${reportFor.status}`;
    const version = pacs002VersionFor(reportFor.messageType);
    const document = this.build(reportFor, seed);
    const body = await wrapAnswer(
      this,
      {
        owner: { id: targetId, messageType: inbound.messageType },
        messageType: version,
        document,
        bizMsgIdr: StatusReportWriter.msgId(seed),
      },
      inbound,
    );
    return { messageType: version, channel: 'gateway', body };
  }
}
