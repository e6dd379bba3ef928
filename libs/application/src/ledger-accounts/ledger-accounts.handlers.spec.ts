// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule, QueryBus } from '@nestjs/cqrs';
import { InvalidValueError } from '#domain';
import { LedgerNotEnabledError } from '../application.errors.js';
import { LEDGER_STORE, PIPELINE_SETTINGS } from '../application.tokens.js';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from '../pipeline.settings.js';
import { LedgerError } from '../ports/ledger.port.js';
import { FakeLedger } from '../testing/in-memory.fakes.js';
import { GetLedgerAccountHandler, ListLedgerAccountsHandler, OpenLedgerAccountsHandler } from './ledger-accounts.handlers.js';
import { GetLedgerAccountQuery, ListLedgerAccountsQuery } from './ledger-accounts.query.js';
import { OpenLedgerAccountsCommand } from './open-ledger-accounts.command.js';

const A = 'DE89370400440532013000';

async function setup(settings: Partial<PipelineSettings>, withStore = true) {
  const ledger = new FakeLedger();
  const moduleRef = await Test.createTestingModule({
    imports: [CqrsModule.forRoot()],
    providers: [
      GetLedgerAccountHandler,
      ListLedgerAccountsHandler,
      OpenLedgerAccountsHandler,
      { provide: PIPELINE_SETTINGS, useValue: { ...DEFAULT_PIPELINE_SETTINGS, ...settings } },
      ...(withStore ? [{ provide: LEDGER_STORE, useValue: ledger }] : []),
    ],
  }).compile();
  await moduleRef.init();
  return { ledger, commands: moduleRef.get(CommandBus), queries: moduleRef.get(QueryBus) };
}

describe('ledger account use cases', () => {
  it('open (seed), set, get and list, with decimal balances turned into minor units', async () => {
    const { ledger, commands, queries } = await setup({ mode: 'core', ledger: true });
    await expect(commands.execute(new OpenLedgerAccountsCommand([{ id: A, balance: '1000.5', currency: 'EUR' }], false))).resolves.toEqual([
      expect.objectContaining({ id: A, currency: 'EUR', balance: 100_050n }),
    ]);
    // seeding again does not overwrite
    await commands.execute(new OpenLedgerAccountsCommand([{ id: A, balance: '1.00', currency: 'EUR' }], false));
    expect(ledger.accounts.get(A)!.balance).toBe(100_050n);
    // an operator's set does
    await commands.execute(new OpenLedgerAccountsCommand([{ id: A, balance: '7', currency: 'EUR' }], true));
    await expect(queries.execute(new GetLedgerAccountQuery(A))).resolves.toMatchObject({ balance: 700n });
    await expect(queries.execute(new GetLedgerAccountQuery('NOPE'))).resolves.toBeNull();
    await expect(queries.execute(new GetLedgerAccountQuery('a/b'))).resolves.toBeNull();
    await expect(queries.execute(new ListLedgerAccountsQuery())).resolves.toHaveLength(1);
    await expect(commands.execute(new OpenLedgerAccountsCommand([{ id: A, balance: '7', currency: 'GBP' }], true))).rejects.toBeInstanceOf(
      LedgerError,
    );
  });

  it.each([
    [{ id: 'a b', balance: '1', currency: 'EUR' }, /^id:/],
    [{ id: A, balance: '-1', currency: 'EUR' }, /^amount:/],
    [{ id: A, balance: '1.001', currency: 'EUR' }, /EUR has 2 decimal/],
    [{ id: A, balance: '1', currency: 'XAU' }, /^currency:/],
    [{ id: A, balance: 1 as unknown as string, currency: 'EUR' }, /must be strings/],
  ])('refuses %p with an InvalidValueError naming the field, and opens nothing', async (input, message) => {
    const { ledger, commands } = await setup({ mode: 'core', ledger: true });
    const error = await commands.execute(new OpenLedgerAccountsCommand([input], true)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidValueError);
    expect((error as Error).message).toMatch(message);
    expect(ledger.accounts.size).toBe(0);
  });

  it('refuses a balance above 2^63-1 minor units with LEDGER.AMOUNT_TOO_LARGE, and opens nothing', async () => {
    const { ledger, commands } = await setup({ mode: 'core', ledger: true });
    // 2^63-1 minor units is 92233720368547758.07 EUR: the largest balance is taken, one cent more is not
    await expect(
      commands.execute(new OpenLedgerAccountsCommand([{ id: A, balance: '92233720368547758.07', currency: 'EUR' }], true)),
    ).resolves.toEqual([expect.objectContaining({ balance: 2n ** 63n - 1n })]);
    const error = await commands
      .execute(
        new OpenLedgerAccountsCommand(
          [
            { id: 'OTHER', balance: '1.00', currency: 'EUR' },
            { id: 'BIG', balance: '92233720368547758.08', currency: 'EUR' },
          ],
          true,
        ),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ code: 'LEDGER.AMOUNT_TOO_LARGE', account: 'BIG' });
    expect([...ledger.accounts.keys()]).toEqual([A]);
  });

  it.each([
    ['proxy mode', { mode: 'proxy' as const, ledger: true }, true],
    ['core mode without the ledger', { mode: 'core' as const }, true],
    ['no ledger store bound', { mode: 'core' as const, ledger: true }, false],
  ])('%s: every call answers LedgerNotEnabledError', async (_what, settings, withStore) => {
    const { commands, queries } = await setup(settings, withStore);
    await expect(queries.execute(new ListLedgerAccountsQuery())).rejects.toBeInstanceOf(LedgerNotEnabledError);
    await expect(queries.execute(new GetLedgerAccountQuery(A))).rejects.toBeInstanceOf(LedgerNotEnabledError);
    await expect(commands.execute(new OpenLedgerAccountsCommand([], true))).rejects.toBeInstanceOf(LedgerNotEnabledError);
  });
});

describe('ledger adjustments name who made them', () => {
  it('passes the API client and request id of a set to the store, which returns them with the account', async () => {
    const { commands } = await setup({ mode: 'core', ledger: true });
    await commands.execute(new OpenLedgerAccountsCommand([{ id: A, balance: '10.00', currency: 'EUR' }], false));
    const [set] = await commands.execute(
      new OpenLedgerAccountsCommand([{ id: A, balance: '20.00', currency: 'EUR' }], true, { clientId: 'ledger-ops', requestId: 'req-7' }),
    );
    expect(set!.lastChange).toMatchObject({ kind: 'adjustment', by: 'ledger-ops', requestId: 'req-7' });
  });
});
