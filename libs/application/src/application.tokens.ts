// SPDX-License-Identifier: Apache-2.0
/** DI tokens of the application's ports. Bound to adapters only in the composition root. */
export const TRANSACTION_REPOSITORY = Symbol('clearway.TransactionRepository');
export const WORK_QUEUE = Symbol('clearway.WorkQueue');
export const MESSAGE_ARCHIVE = Symbol('clearway.MessageArchive');
export const LEGACY_HOST = Symbol('clearway.LegacyHost');
/** The downstream connectors and their router (routing/connector-set.ts); optional: without it, LEGACY_HOST alone. */
export const CONNECTORS = Symbol('clearway.Connectors');
export const SECRET_STORE = Symbol('clearway.SecretStore');
export const CLOCK = Symbol('clearway.Clock');
export const ID_GENERATOR = Symbol('clearway.IdGenerator');
export const ISO20022_CODEC = Symbol('clearway.Iso20022Codec');
export const PIPELINE_SETTINGS = Symbol('clearway.PipelineSettings');
export const WORK_QUEUE_SIGNAL = Symbol('clearway.WorkSignal');
export const BUSINESS_RULES = Symbol('clearway.BusinessRules');
export const HOLD_POLICY = Symbol('clearway.HoldPolicy');
/** The core-mode ledger's accounts (LedgerStore). */
export const LEDGER_STORE = Symbol('clearway.LedgerStore');
export const SCREENING_SERVICE = Symbol('clearway.ScreeningService');
/** Outbound channel of status messages (an MQ outbound queue); optional: without it nothing is published. */
export const STATUS_PUBLISHER = Symbol('clearway.StatusPublisher');
/** Settings of the JSON and QR channels (ChannelSettings: the default debtor agent, the merchant directory); optional. */
export const CHANNEL_SETTINGS = Symbol('clearway.ChannelSettings');
