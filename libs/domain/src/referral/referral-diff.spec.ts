import { ReferralOutcome } from '../rules/evaluation';
import { diffReferrals, StoredReferral } from './referral-diff';

const NOW = Date.UTC(2026, 10, 1);

function outcome(overrides: Partial<ReferralOutcome> = {}): ReferralOutcome {
  return {
    referralId: 'R-1', partnerId: 'P-1', programId: 'standard', programVersion: 1, customerId: null, status: 'SUBMITTED', reason: null, submittedAt: Date.UTC(2026, 0, 1),
    signedUpAt: null, activatedAt: null, qualifiedAt: null, qualifyingCurrency: null, qualifyingSpend: null, expiresAt: Date.UTC(2026, 3, 8),
    ...overrides,
  };
}

const stored = (o: ReferralOutcome, sequence: number, qualifiedVersion = 0): StoredReferral => ({ ...o, sequence, qualifiedVersion });

describe('diffReferrals', () => {
  it('records the first status with sequence 1 and previousStatus null', () => {
    const changes = diffReferrals([outcome()], new Map(), NOW);
    expect(changes.statusChanges.map((c) => c.change)).toEqual([
      { referralId: 'R-1', sequence: 1, status: 'SUBMITTED', reason: null, previousStatus: null, partnerId: 'P-1', previousPartnerId: null, changedAt: NOW },
    ]);
    expect(changes.writes).toEqual([{ outcome: outcome(), sequence: 1, qualifiedVersion: 0 }]);
  });

  it('writes and records nothing when nothing changed', () => {
    const o = outcome();
    expect(diffReferrals([o], new Map([['R-1', stored(o, 1)]]), NOW)).toEqual({ writes: [], statusChanges: [], qualifications: [] });
  });

  it('counts a reason change as a status change (EXPIRED/NO_SIGNUP → EXPIRED/NO_ACTIVATION)', () => {
    const before = outcome({ status: 'EXPIRED', reason: 'NO_SIGNUP', expiresAt: null });
    const after = outcome({ status: 'EXPIRED', reason: 'NO_ACTIVATION', customerId: 'C-1', signedUpAt: Date.UTC(2026, 1, 1), expiresAt: null });
    const changes = diffReferrals([after], new Map([['R-1', stored(before, 3)]]), NOW);
    expect(changes.statusChanges.map((c) => c.change)).toEqual([expect.objectContaining({ sequence: 4, status: 'EXPIRED', reason: 'NO_ACTIVATION', previousStatus: 'EXPIRED' })]);
  });

  it('updates the row without a status change when only dates move', () => {
    const before = outcome({ status: 'SIGNED_UP', customerId: 'C-1', signedUpAt: Date.UTC(2026, 1, 1) });
    const after = { ...before, signedUpAt: Date.UTC(2026, 1, 2) };
    const changes = diffReferrals([after], new Map([['R-1', stored(before, 2)]]), NOW);
    expect(changes.statusChanges).toEqual([]);
    expect(changes.writes).toEqual([{ outcome: after, sequence: 2, qualifiedVersion: 0 }]);
  });

  it('announces a new qualification version when the qualification moves', () => {
    const q1 = outcome({ status: 'QUALIFIED', customerId: 'C-1', qualifiedAt: Date.UTC(2026, 2, 1), qualifyingCurrency: 'USD', qualifyingSpend: 12000n, expiresAt: null });
    const q2 = { ...q1, qualifiedAt: Date.UTC(2026, 1, 20), qualifyingSpend: 10500n };
    const changes = diffReferrals([q2], new Map([['R-1', stored(q1, 4, 1)]]), NOW);
    expect(changes.statusChanges).toEqual([]);
    expect(changes.qualifications).toEqual([{ outcome: q2, version: 2 }]);
    expect(changes.writes[0]).toMatchObject({ sequence: 4, qualifiedVersion: 2 });
  });

  it('a takeover (same status, another partner and submission time) is a change: the row follows, and the change names both partners', () => {
    const q1 = outcome({ status: 'QUALIFIED', customerId: 'C-1', qualifiedAt: Date.UTC(2026, 2, 1), qualifyingCurrency: 'USD', qualifyingSpend: 12000n, expiresAt: null });
    const taken = { ...q1, partnerId: 'P-2', submittedAt: Date.UTC(2025, 11, 30) };
    const changes = diffReferrals([taken], new Map([['R-1', stored(q1, 5, 1)]]), NOW);
    expect(changes.writes).toEqual([{ outcome: taken, sequence: 6, qualifiedVersion: 2 }]);
    expect(changes.statusChanges.map((c) => c.change)).toEqual([
      { referralId: 'R-1', sequence: 6, status: 'QUALIFIED', reason: null, previousStatus: 'QUALIFIED', partnerId: 'P-2', previousPartnerId: 'P-1', changedAt: NOW },
    ]);
    expect(changes.qualifications).toEqual([{ outcome: taken, version: 2 }]);
  });

  it('a change of submission time alone rewrites the row without a status change', () => {
    const before = outcome();
    const after = { ...before, submittedAt: before.submittedAt - 1000, expiresAt: before.expiresAt! - 1000 };
    const changes = diffReferrals([after], new Map([['R-1', stored(before, 1)]]), NOW);
    expect(changes.writes).toEqual([{ outcome: after, sequence: 1, qualifiedVersion: 0 }]);
    expect(changes.statusChanges).toEqual([]);
  });

  it('a change of binding alone (a takeover by a submission bound to another program version) rewrites the row without a status change', () => {
    const before = outcome();
    const after = { ...before, programId: 'eu', programVersion: 2 };
    const changes = diffReferrals([after], new Map([['R-1', stored(before, 1)]]), NOW);
    expect(changes.writes).toEqual([{ outcome: after, sequence: 1, qualifiedVersion: 0 }]);
    expect(changes.statusChanges).toEqual([]);
  });
});
