// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot } from '#domain';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { BusinessRuleContractError, pass, reject, type BusinessRule, type RuleVerdict } from './business-rule.js';
import { BusinessRuleSet } from './business-rule-set.js';

/** A rule that records that it ran and answers a fixed verdict. */
function rule(id: string, verdict: RuleVerdict, ran: string[], reasonCodes: string[] = ['NARR', 'AM01']): BusinessRule {
  return {
    id,
    reasonCodes,
    async check(_p: Readonly<PaymentSnapshot>) {
      ran.push(id);
      return verdict;
    },
  };
}

describe('BusinessRuleSet', () => {
  it('runs every rule in order and passes when none rejects', async () => {
    const ran: string[] = [];
    const set = new BusinessRuleSet([rule('a', pass(), ran), rule('b', pass(), ran), rule('c', pass(), ran)]);
    await expect(set.evaluate(paymentSnapshot())).resolves.toEqual({ outcome: 'pass', notes: [] });
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('stops at the first rejection: its code and text decide, later rules do not run', async () => {
    const ran: string[] = [];
    const set = new BusinessRuleSet([
      rule('a', pass(), ran),
      rule('b', reject('AM01', 'first failure'), ran),
      rule('c', reject('NARR', 'second failure'), ran),
    ]);
    await expect(set.evaluate(paymentSnapshot())).resolves.toEqual({
      outcome: 'reject',
      rule: 'b',
      reason: { code: 'AM01', text: 'first failure' },
    });
    expect(ran).toEqual(['a', 'b']);
  });

  it('collects the notes of passing rules', async () => {
    const set = new BusinessRuleSet([rule('a', pass('not screened'), []), rule('b', pass(), [])]);
    await expect(set.evaluate(paymentSnapshot())).resolves.toEqual({ outcome: 'pass', notes: [{ rule: 'a', note: 'not screened' }] });
  });

  it('lets an exception of a rule through (the step fails retryably)', async () => {
    const failing: BusinessRule = { id: 'down', reasonCodes: ['NARR'], check: () => Promise.reject(new Error('service down')) };
    await expect(new BusinessRuleSet([failing]).evaluate(paymentSnapshot())).rejects.toThrow('service down');
  });

  it('refuses a rejection with a code the rule did not declare', async () => {
    const set = new BusinessRuleSet([rule('sneaky', reject('AC04', 'x'), [], ['AM01'])]);
    await expect(set.evaluate(paymentSnapshot())).rejects.toThrow(BusinessRuleContractError);
  });

  it('refuses duplicate ids, malformed ids and missing or malformed reason codes', () => {
    expect(() => new BusinessRuleSet([rule('a', pass(), []), rule('a', pass(), [])])).toThrow(/two business rules/);
    expect(() => new BusinessRuleSet([rule('Bad Id', pass(), [])])).toThrow(/lower-case/);
    expect(() => new BusinessRuleSet([rule('a', pass(), [], [])])).toThrow(/reason codes/);
    expect(() => new BusinessRuleSet([rule('a', pass(), [], ['toolong'])])).toThrow(/reason codes/);
  });

  describe('ordered', () => {
    const rules = ['a', 'b', 'c', 'd'].map((id) => rule(id, pass(), []));

    it('keeps the given order without a configured one', () => {
      expect(BusinessRuleSet.ordered(rules).ids).toEqual(['a', 'b', 'c', 'd']);
    });

    it('runs the configured ids first, in that order, then the others in their order', async () => {
      const ran: string[] = [];
      const set = BusinessRuleSet.ordered(
        ['a', 'b', 'c', 'd'].map((id) => rule(id, pass(), ran)),
        ['c', 'a'],
      );
      expect(set.ids).toEqual(['c', 'a', 'b', 'd']);
      await set.evaluate(paymentSnapshot());
      expect(ran).toEqual(['c', 'a', 'b', 'd']);
    });

    it('decides by the configured order when two rules would reject', async () => {
      const both = [rule('amount', reject('AM01', 'amount'), []), rule('country', reject('NARR', 'country'), [])];
      await expect(BusinessRuleSet.ordered(both).evaluate(paymentSnapshot())).resolves.toMatchObject({ rule: 'amount' });
      await expect(BusinessRuleSet.ordered(both, ['country']).evaluate(paymentSnapshot())).resolves.toMatchObject({ rule: 'country' });
    });

    it('skips known but unconfigured ids and refuses unknown ones', () => {
      expect(BusinessRuleSet.ordered(rules, ['screening', 'b'], ['screening']).ids).toEqual(['b', 'a', 'c', 'd']);
      expect(() => BusinessRuleSet.ordered(rules, ['typo'], ['screening'])).toThrow(/"typo", which is not a business rule/);
    });
  });
});
