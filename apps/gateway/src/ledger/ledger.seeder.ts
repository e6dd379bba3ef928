// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { LEDGER_STORE, openLedgerAccounts, type LedgerStore } from '#application';
import type { ConfigType } from '@nestjs/config';
import { ledgerConfig } from '../config/namespaces.js';

/**
 * Opens the accounts of LEDGER_OPENING_BALANCES at start, leaving existing accounts (and their balances) as
 * they are. Runs in onModuleInit, before any worker starts (onApplicationBootstrap), so no payment is settled
 * against a ledger that is not seeded yet.
 */
@Injectable()
export class LedgerSeeder implements OnModuleInit {
  private readonly log = new Logger('Ledger');

  constructor(
    @Inject(ledgerConfig.KEY) private readonly ledger: ConfigType<typeof ledgerConfig>,
    @Optional() @Inject(LEDGER_STORE) private readonly store?: LedgerStore,
  ) {}

  async onModuleInit(): Promise<void> {
    const { enabled, openingBalances } = this.ledger;
    if (!enabled) return;
    if (!this.store) throw new Error('the ledger is enabled but the adapters in use provide no LEDGER_STORE');
    if (openingBalances.length === 0) {
      this.log.log('ledger enabled with no opening balances: open accounts with PUT /v1/ledger/accounts/{id}');
      return;
    }
    const before = new Set((await this.store.listAccounts()).map((a) => a.id));
    await openLedgerAccounts(this.store, openingBalances, false);
    const opened = openingBalances.filter((a) => !before.has(a.id)).length;
    this.log.log(
      `ledger: ${opened} account(s) opened from LEDGER_OPENING_BALANCES, ${openingBalances.length - opened} already open and left as they are`,
    );
  }
}
