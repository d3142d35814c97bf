import { PartnerEvent } from '../events/input-event';
import { Anomaly } from '../rules/evaluation';
import {
  day, partnerApproved, partnerGroupChanged, partnerReinstated, partnerSuspended, partnerTerminated, resetFactory,
} from '../testing/event-factory';
import { isEligible, PartnerState, partnerTimelines, PartnerTimeline, standingAt } from './partner-standing';

/**
 * CONTRACT §9: a partner's state at t follows its events with time ≤ t, in order (time, then id). Day n = 2026-01-01 + n
 * days. `states(events, days)` reads the standing at each of the given days as "STATE/group".
 */
function timelineOf(events: PartnerEvent[], partnerId = 'p1'): { timeline: PartnerTimeline | undefined; anomalies: Anomaly[] } {
  const anomalies: Anomaly[] = [];
  return { timeline: partnerTimelines(events, anomalies).get(partnerId), anomalies };
}
function states(events: PartnerEvent[], days: number[]): string[] {
  const { timeline } = timelineOf(events);
  return days.map((d) => {
    const s = standingAt(timeline, day(d));
    return `${s.state}/${s.group}`;
  });
}

beforeEach(() => resetFactory());

describe('partner standing over time', () => {
  it('no events yet: UNKNOWN in group default, resting on no event', () => {
    expect(standingAt(undefined, day(0))).toEqual({ state: 'UNKNOWN', group: 'default', since: null });
    const { timeline } = timelineOf([partnerApproved({ at: 10 })]);
    expect(standingAt(timeline, day(9))).toEqual({ state: 'UNKNOWN', group: 'default', since: null });
    expect(partnerTimelines([], []).size).toBe(0);
  });

  it('approved → APPROVED, in group default when the event names none, else in its group', () => {
    expect(states([partnerApproved({ at: 0 })], [0])).toEqual(['APPROVED/default']);
    expect(states([partnerApproved({ group: 'gold', at: 0 })], [0])).toEqual(['APPROVED/gold']);
  });

  it('the standing at t includes the events at exactly t (time ≤ t), not those 1 ms later', () => {
    const approval = partnerApproved({ at: 5 });
    const { timeline } = timelineOf([approval]);
    expect(standingAt(timeline, day(5) - 1).state).toBe('UNKNOWN');
    expect(standingAt(timeline, day(5))).toEqual({ state: 'APPROVED', group: 'default', since: approval });
  });

  it('suspended → SUSPENDED, reinstated → APPROVED, both keeping the group', () => {
    const events = [
      partnerApproved({ group: 'gold', at: 0 }),
      partnerSuspended({ reason: 'audit', at: 10 }),
      partnerReinstated({ at: 20 }),
      partnerSuspended({ at: 30 }),
    ];
    expect(states(events, [0, 9, 10, 19, 20, 30, 400])).toEqual([
      'APPROVED/gold', 'APPROVED/gold', 'SUSPENDED/gold', 'SUSPENDED/gold', 'APPROVED/gold', 'SUSPENDED/gold', 'SUSPENDED/gold',
    ]);
  });

  it('a second approval sets the group again (default when it names none)', () => {
    expect(states([partnerApproved({ group: 'gold', at: 0 }), partnerApproved({ at: 10 })], [5, 10])).toEqual(['APPROVED/gold', 'APPROVED/default']);
  });

  it('group_changed sets the group in every state but TERMINATED, leaving the state as it is', () => {
    // UNKNOWN (no approval yet): the group is set, the partner stays UNKNOWN
    expect(states([partnerGroupChanged({ group: 'gold', at: 0 })], [0])).toEqual(['UNKNOWN/gold']);
    // APPROVED
    expect(states([partnerApproved({ at: 0 }), partnerGroupChanged({ group: 'gold', at: 10 })], [9, 10])).toEqual(['APPROVED/default', 'APPROVED/gold']);
    // SUSPENDED: stays suspended, and a reinstatement keeps the new group
    expect(states([
      partnerApproved({ at: 0 }), partnerSuspended({ at: 5 }), partnerGroupChanged({ group: 'gold', at: 10 }), partnerReinstated({ at: 15 }),
    ], [10, 15])).toEqual(['SUSPENDED/gold', 'APPROVED/gold']);
    // TERMINATED: ignored (see below)
    expect(states([partnerApproved({ at: 0 }), partnerTerminated({ at: 5 }), partnerGroupChanged({ group: 'gold', at: 10 })], [10])).toEqual(['TERMINATED/default']);
  });

  it('an approval after a group change on an UNKNOWN partner sets the approval\'s group', () => {
    expect(states([partnerGroupChanged({ group: 'gold', at: 0 }), partnerApproved({ at: 1 })], [1])).toEqual(['APPROVED/default']);
  });

  it('a suspension or reinstatement of a partner never approved applies from UNKNOWN', () => {
    expect(states([partnerSuspended({ at: 0 })], [0])).toEqual(['SUSPENDED/default']);
    expect(states([partnerReinstated({ at: 0 })], [0])).toEqual(['APPROVED/default']);
  });

  it('terminated is final: later events are ignored and listed as PARTNER_TERMINATED anomalies', () => {
    const later = [partnerReinstated({ at: 30 }), partnerApproved({ group: 'gold', at: 40 }), partnerGroupChanged({ group: 'gold', at: 50 }), partnerTerminated({ at: 60 })];
    const termination = partnerTerminated({ reason: 'fraud', at: 20 });
    const events = [partnerApproved({ group: 'silver', at: 0 }), partnerSuspended({ at: 10 }), termination, ...later];
    const { timeline, anomalies } = timelineOf(events);
    expect(timeline!.terminatedAt).toBe(day(20));
    expect(timeline!.standings.map((s) => `${s.state}/${s.group}`)).toEqual(['APPROVED/silver', 'SUSPENDED/silver', 'TERMINATED/silver']);
    expect(standingAt(timeline, day(19)).state).toBe('SUSPENDED');
    expect(standingAt(timeline, day(20))).toEqual({ state: 'TERMINATED', group: 'silver', since: termination });
    expect(standingAt(timeline, day(100)).state).toBe('TERMINATED');
    expect(anomalies).toEqual(later.map((e) => ({
      code: 'PARTNER_TERMINATED', source: 'partner-admin', eventId: e.id, customerId: null, referralId: null, detail: expect.stringContaining(e.type),
    })));
  });

  it('a terminated partner that was never approved: TERMINATED from UNKNOWN', () => {
    const { timeline } = timelineOf([partnerTerminated({ at: 3 })]);
    expect(standingAt(timeline, day(2)).state).toBe('UNKNOWN');
    expect(standingAt(timeline, day(3)).state).toBe('TERMINATED');
    expect(timeline!.terminatedAt).toBe(day(3));
  });

  it('events at the same time apply in id order: the later id wins', () => {
    const suspendThenApprove = [partnerApproved({ id: 'b', at: 7 }), partnerSuspended({ id: 'a', at: 7 })];
    expect(states(suspendThenApprove, [7])).toEqual(['APPROVED/default']);
    const approveThenSuspend = [partnerApproved({ id: 'a', at: 7 }), partnerSuspended({ id: 'b', at: 7 })];
    expect(states(approveThenSuspend, [7])).toEqual(['SUSPENDED/default']);
  });

  it('an event at the termination\'s time with a smaller id applies before it; one with a larger id is an anomaly', () => {
    const { timeline, anomalies } = timelineOf([
      partnerApproved({ id: 'a', at: 0 }),
      partnerTerminated({ id: 'm', at: 9 }),
      partnerGroupChanged({ id: 'g', group: 'gold', at: 9 }), // 'g' < 'm': before the termination
      partnerReinstated({ id: 'z', at: 9 }), // 'z' > 'm': after it
    ]);
    expect(standingAt(timeline, day(9))).toMatchObject({ state: 'TERMINATED', group: 'gold' });
    expect(anomalies.map((a) => a.eventId)).toEqual(['z']);
  });

  it('the timelines do not depend on the order the events are given in, and partners are independent', () => {
    const events = [
      partnerApproved({ partnerId: 'p1', group: 'gold', at: 0 }),
      partnerApproved({ partnerId: 'p2', at: 1 }),
      partnerSuspended({ partnerId: 'p1', at: 5 }),
      partnerTerminated({ partnerId: 'p2', at: 6 }),
      partnerReinstated({ partnerId: 'p2', at: 7 }),
      partnerReinstated({ partnerId: 'p1', at: 8 }),
    ];
    const forward: Anomaly[] = [];
    const backward: Anomaly[] = [];
    expect(partnerTimelines([...events].reverse(), backward)).toEqual(partnerTimelines(events, forward));
    expect(backward).toEqual(forward);
    expect(forward.map((a) => a.eventId)).toEqual([events[4].id]);
    const timelines = partnerTimelines(events, []);
    expect(standingAt(timelines.get('p1'), day(8))).toMatchObject({ state: 'APPROVED', group: 'gold' });
    expect(standingAt(timelines.get('p2'), day(8))).toMatchObject({ state: 'TERMINATED', group: 'default' });
    expect(timelines.get('p1')!.terminatedAt).toBeNull();
  });
});

describe('isEligible (rule 0)', () => {
  it.each<[PartnerState, boolean, boolean]>([
    // state, under open, under approval
    ['UNKNOWN', true, false],
    ['APPROVED', true, true],
    ['SUSPENDED', false, false],
    ['TERMINATED', false, false],
  ])('%s: open %p, approval %p', (state, open, approval) => {
    const standing = { state, group: 'default', since: null };
    expect(isEligible(standing, 'open')).toBe(open);
    expect(isEligible(standing, 'approval')).toBe(approval);
  });
});
