import { PartnerEvent } from '../events/input-event';
import { sortEvents } from '../events/order';
import { PartnerEnrollment } from '../program/rules';
import { Anomaly } from '../rules/evaluation';

export type PartnerState = 'UNKNOWN' | 'APPROVED' | 'SUSPENDED' | 'TERMINATED';

export const DEFAULT_PARTNER_GROUP = 'default';

/** A partner's standing from one event on (CONTRACT §9). */
export interface PartnerStanding {
  state: PartnerState;
  group: string;
  /** the event that set it; null before the partner's first event */
  since: PartnerEvent | null;
}

/** A partner's standings over time, from its counted events (those after termination are not). */
export interface PartnerTimeline {
  partnerId: string;
  /** in event order; the standing at t is the last one whose event time ≤ t */
  standings: PartnerStanding[];
  /** when the partner was terminated; earning ends there */
  terminatedAt: number | null;
}

const NO_EVENTS: PartnerStanding = { state: 'UNKNOWN', group: DEFAULT_PARTNER_GROUP, since: null };

/**
 * Each partner's timeline from its events (CONTRACT §9): approved → APPROVED with its group; suspended → SUSPENDED;
 * reinstated → APPROVED; group_changed sets the group; terminated is final, and the partner's later events are listed
 * as anomalies. An event that applies in any state but TERMINATED applies from UNKNOWN too (a reinstatement of an
 * unknown partner approves it in group `default`).
 */
export function partnerTimelines(events: Iterable<PartnerEvent>, anomalies: Anomaly[]): Map<string, PartnerTimeline> {
  const timelines = new Map<string, PartnerTimeline>();
  for (const event of sortEvents([...events])) {
    let timeline = timelines.get(event.partnerId);
    if (!timeline) timelines.set(event.partnerId, (timeline = { partnerId: event.partnerId, standings: [], terminatedAt: null }));
    if (timeline.terminatedAt !== null) {
      anomalies.push({
        code: 'PARTNER_TERMINATED', source: event.source, eventId: event.id, customerId: null, referralId: null,
        detail: `partner ${event.partnerId} was terminated at ${new Date(timeline.terminatedAt).toISOString()}; ${event.type} ignored`,
      });
      continue;
    }
    const before = timeline.standings.at(-1) ?? NO_EVENTS;
    timeline.standings.push(next(before, event));
    if (event.type === 'partner.terminated') timeline.terminatedAt = event.time;
  }
  return timelines;
}

function next(before: PartnerStanding, event: PartnerEvent): PartnerStanding {
  switch (event.type) {
    case 'partner.approved': return { state: 'APPROVED', group: event.group, since: event };
    case 'partner.group_changed': return { state: before.state, group: event.group, since: event };
    case 'partner.suspended': return { state: 'SUSPENDED', group: before.group, since: event };
    case 'partner.reinstated': return { state: 'APPROVED', group: before.group, since: event };
    case 'partner.terminated': return { state: 'TERMINATED', group: before.group, since: event };
  }
}

/** The partner's standing at `time`: its last counted event with time ≤ `time`; identical events sort by id. */
export function standingAt(timeline: PartnerTimeline | undefined, time: number): PartnerStanding {
  let found = NO_EVENTS;
  for (const standing of timeline?.standings ?? []) {
    if (standing.since!.time > time) break;
    found = standing;
  }
  return found;
}

/** Whether a partner in this standing may submit (rule 0): APPROVED, or UNKNOWN under open enrollment. */
export function isEligible(standing: PartnerStanding, enrollment: PartnerEnrollment): boolean {
  return standing.state === 'APPROVED' || (standing.state === 'UNKNOWN' && enrollment === 'open');
}
