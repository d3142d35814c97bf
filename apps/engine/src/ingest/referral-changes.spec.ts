import { topicNames } from '@engine/contracts';
import { ReferralOutcome } from '@engine/domain';
import { StoredReferral } from '@engine/persistence';
import { diffReferrals } from './referral-changes';

const topics = topicNames('');
const NOW = Date.UTC(2026, 10, 1);

function outcome(overrides: Partial<ReferralOutcome> = {}): ReferralOutcome {
  return {
    referralId: 'R-1', partnerId: 'P-1', customerId: null, status: 'SUBMITTED', reason: null, submittedAt: Date.UTC(2026, 0, 1),
    signedUpAt: null, activatedAt: null, qualifiedAt: null, qualifyingCurrency: null, qualifyingSpend: null, expiresAt: Date.UTC(2026, 3, 8),
    ...overrides,
  };
}

function stored(o: ReferralOutcome, sequence: number, qualifiedVersion = 0): StoredReferral {
  return {
    referralId: o.referralId, status: o.status, reason: o.reason, customerId: o.customerId, signedUpAt: o.signedUpAt, activatedAt: o.activatedAt,
    qualifiedAt: o.qualifiedAt, qualifyingCurrency: o.qualifyingCurrency, qualifyingSpend: o.qualifyingSpend, expiresAt: o.expiresAt, sequence, qualifiedVersion,
  };
}

describe('diffReferrals', () => {
  it('publishes the first status with sequence 1 and previousStatus null', () => {
    const changes = diffReferrals([outcome()], new Map(), NOW, topics);
    expect(changes.history).toEqual([{ referralId: 'R-1', sequence: 1, status: 'SUBMITTED', reason: null, previousStatus: null, changedAt: NOW }]);
    expect(changes.messages).toHaveLength(1);
    expect(changes.messages[0]).toMatchObject({ eventId: 'referral-status:R-1:1', topic: 'referral.status.v1', key: 'R-1' });
    expect(changes.messages[0].event).toMatchObject({ type: 'referral.status_changed', data: { sequence: 1, status: 'SUBMITTED', previousStatus: null } });
  });

  it('writes and publishes nothing when nothing changed', () => {
    const o = outcome();
    const changes = diffReferrals([o], new Map([['R-1', stored(o, 1)]]), NOW, topics);
    expect(changes).toEqual({ writes: [], history: [], messages: [] });
  });

  it('counts a reason change as a status change (EXPIRED/NO_SIGNUP → EXPIRED/NO_ACTIVATION)', () => {
    const before = outcome({ status: 'EXPIRED', reason: 'NO_SIGNUP', expiresAt: null });
    const after = outcome({ status: 'EXPIRED', reason: 'NO_ACTIVATION', customerId: 'C-1', signedUpAt: Date.UTC(2026, 1, 1), expiresAt: null });
    const changes = diffReferrals([after], new Map([['R-1', stored(before, 3)]]), NOW, topics);
    expect(changes.history).toEqual([expect.objectContaining({ sequence: 4, status: 'EXPIRED', reason: 'NO_ACTIVATION', previousStatus: 'EXPIRED' })]);
  });

  it('updates the row without a status event when only dates move', () => {
    const before = outcome({ status: 'SIGNED_UP', customerId: 'C-1', signedUpAt: Date.UTC(2026, 1, 1) });
    const after = { ...before, signedUpAt: Date.UTC(2026, 1, 2) };
    const changes = diffReferrals([after], new Map([['R-1', stored(before, 2)]]), NOW, topics);
    expect(changes.history).toEqual([]);
    expect(changes.messages).toEqual([]);
    expect(changes.writes).toEqual([{ outcome: after, sequence: 2, qualifiedVersion: 0 }]);
  });

  it('publishes referral.qualified with a new version when the qualification moves', () => {
    const q1 = outcome({ status: 'QUALIFIED', customerId: 'C-1', qualifiedAt: Date.UTC(2026, 2, 1), qualifyingCurrency: 'USD', qualifyingSpend: 12000n, expiresAt: null });
    const q2 = { ...q1, qualifiedAt: Date.UTC(2026, 1, 20), qualifyingSpend: 10500n };
    const changes = diffReferrals([q2], new Map([['R-1', stored(q1, 4, 1)]]), NOW, topics);
    expect(changes.history).toEqual([]);
    expect(changes.messages).toEqual([
      expect.objectContaining({ eventId: 'referral-qualified:R-1:2', topic: 'referral.qualified.v1', key: 'R-1' }),
    ]);
    expect(changes.messages[0].event).toMatchObject({ data: { qualifiedAt: '2026-02-20T00:00:00.000Z', currency: 'USD', qualifyingSpend: '105.00' } });
    expect(changes.writes[0]).toMatchObject({ sequence: 4, qualifiedVersion: 2 });
  });
});
