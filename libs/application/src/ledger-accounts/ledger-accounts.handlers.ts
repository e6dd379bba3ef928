// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InvalidValueError, Money } from '#domain';
import { LedgerNotEnabledError } from '../application.errors.js';
import { LEDGER_STORE, PIPELINE_SETTINGS } from '../application.tokens.js';
import { ledgerLimitError } from '../ledger/ledger-limits.js';
import { isLedgerAccountId } from '../ledger/settlement-postings.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import type { LedgerAccount, LedgerChangeOrigin, LedgerStore } from '../ports/ledger.port.js';
import { GetLedgerAccountQuery, ListLedgerAccountsQuery } from './ledger-accounts.query.js';
import { OpenLedgerAccountsCommand, type LedgerAccountInput } from './open-ledger-accounts.command.js';

/** The ledger store when the ledger is on (MODE=core and enabled), else LedgerNotEnabledError. */
function enabledLedger(settings: PipelineSettings, store: LedgerStore | undefined): LedgerStore {
  if (settings.mode !== 'core' || settings.ledger !== true || !store) throw new LedgerNotEnabledError();
  return store;
}

@QueryHandler(GetLedgerAccountQuery)
export class GetLedgerAccountHandler implements IQueryHandler<GetLedgerAccountQuery, LedgerAccount | null> {
  constructor(
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    @Optional() @Inject(LEDGER_STORE) private readonly store?: LedgerStore,
  ) {}

  async execute(q: GetLedgerAccountQuery): Promise<LedgerAccount | null> {
    const store = enabledLedger(this.settings, this.store);
    return isLedgerAccountId(q.accountId) ? store.getAccount(q.accountId) : null;
  }
}

@QueryHandler(ListLedgerAccountsQuery)
export class ListLedgerAccountsHandler implements IQueryHandler<ListLedgerAccountsQuery, LedgerAccount[]> {
  constructor(
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    @Optional() @Inject(LEDGER_STORE) private readonly store?: LedgerStore,
  ) {}

  async execute(): Promise<LedgerAccount[]> {
    return enabledLedger(this.settings, this.store).listAccounts();
  }
}

@CommandHandler(OpenLedgerAccountsCommand)
export class OpenLedgerAccountsHandler implements ICommandHandler<OpenLedgerAccountsCommand, LedgerAccount[]> {
  constructor(
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    @Optional() @Inject(LEDGER_STORE) private readonly store?: LedgerStore,
  ) {}

  async execute(cmd: OpenLedgerAccountsCommand): Promise<LedgerAccount[]> {
    return openLedgerAccounts(enabledLedger(this.settings, this.store), cmd.accounts, cmd.replace, cmd.origin);
  }
}

/**
 * Validates decimal balances (Money: the currency's decimals, no floats) and opens the accounts; returns them
 * as stored. Shared by the command and the composition root's seeding at start (which runs before the
 * command bus is up).
 */
export async function openLedgerAccounts(
  store: LedgerStore,
  inputs: readonly LedgerAccountInput[],
  replace: boolean,
  origin?: LedgerChangeOrigin,
): Promise<LedgerAccount[]> {
  const accounts = inputs.map((a) => {
    if (typeof a.id !== 'string' || !isLedgerAccountId(a.id)) {
      throw new InvalidValueError('id', 'must be 1-34 characters of A-Z a-z 0-9 . _ : - (an IBAN or an account id)');
    }
    if (typeof a.currency !== 'string' || typeof a.balance !== 'string') {
      throw new InvalidValueError('balance', 'balance and currency must be strings, e.g. "100.00" and "EUR"');
    }
    const money = Money.parseBalance(a.balance, a.currency);
    const tooLarge = ledgerLimitError(a.id, money.minor);
    if (tooLarge) throw tooLarge;
    return { id: a.id, currency: money.currency.code, balance: money.minor };
  });
  await store.openAccounts(accounts, replace, origin);
  const stored = await Promise.all(accounts.map((a) => store.getAccount(a.id)));
  return stored.filter((a): a is LedgerAccount => a !== null);
}
