import { isPartnerEvent, isPayoutOutcome } from '../events/input-event';
import { STANDARD_RULES } from '../program/rules';
import { activated, day, partnerApproved, payoutFailed, payoutPaid, resetFactory, signedUp, submitted, usage } from '../testing/event-factory';
import { evaluate } from './evaluate';
import { factsKey, listedUnder, payoutKey, touchedBy } from './links';

/** The outcomes of payout orders (CONTRACT §10) are no rule inputs of referrals: listed under their payout, linking nothing. */
describe('payout outcome events', () => {
  const isGeneric = () => false;
  beforeEach(() => resetFactory());

  it('are told apart from the other events', () => {
    expect(isPayoutOutcome(payoutPaid())).toBe(true);
    expect(isPayoutOutcome(payoutFailed({ reason: 'account closed' }))).toBe(true);
    expect(isPayoutOutcome(partnerApproved())).toBe(false);
    expect(isPayoutOutcome(activated())).toBe(false);
    expect(isPartnerEvent(payoutPaid())).toBe(false);
  });

  it('are listed under their payout key only', () => {
    expect(payoutKey('2026-10:P-001:USD')).toBe('o:2026-10:P-001:USD');
    expect(listedUnder(payoutPaid({ payoutId: '2026-10:P-001:USD', reference: 'TRX-1' }), isGeneric)).toEqual(['o:2026-10:P-001:USD']);
    expect(listedUnder(payoutFailed({ payoutId: '2026-10:P-001:EUR', reason: 'closed' }), isGeneric)).toEqual(['o:2026-10:P-001:EUR']);
    expect(listedUnder(activated({ customerId: 'c1' }), isGeneric)).toEqual([factsKey('c1')]);
  });

  it('touch their payout orders and nothing else', () => {
    const touched = touchedBy([payoutPaid({ payoutId: 'A' }), payoutFailed({ payoutId: 'B', reason: 'closed' }), payoutPaid({ payoutId: 'A' })], isGeneric);
    expect(touched).toEqual({ familyKeys: new Set(), customers: new Set(), payouts: new Set(['A', 'B']) });
    expect(touchedBy([activated({ customerId: 'c1' })], isGeneric).payouts).toEqual(new Set());
  });

  it('change no referral and no amount', () => {
    const story = [
      submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', at: 10 }), activated({ customerId: 'c1', at: 11 }),
      usage({ customerId: 'c1', amount: '900.00', at: 12 }),
    ];
    const payouts = [payoutPaid({ payoutId: '2026-01:p1:USD', at: 40 }), payoutFailed({ payoutId: '2026-01:p1:EUR', reason: 'closed', at: 41 })];
    expect(evaluate([...story, ...payouts], day(60), STANDARD_RULES)).toEqual(evaluate(story, day(60), STANDARD_RULES));
  });
});
