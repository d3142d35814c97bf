import { Topics } from '@engine/contracts';
import { evaluate, isGenericDomain, planLedgerEntries, Program } from '@engine/domain';
import {
  AnomalyRepository, ComponentKeys, EventStoreRepository, LedgerRepository, OutboxRepository, Queryable, ReferralStateRepository,
} from '@engine/persistence';
import { accruedMessage } from './output-events';
import { diffReferrals } from './referral-changes';

export interface RecomputeResult {
  events: number;
  referrals: number;
  statusChanges: number;
  ledgerEntries: number;
}

/**
 * Brings the stored state of every referral connected to `seeds` to what the rules say for the stored events
 * and `now`: referral rows, status history, correcting ledger entries and the outbox, all on the caller's
 * transaction. The rules run on the whole connected component, so the result never depends on arrival order.
 */
export class RuleEngine {
  constructor(
    private readonly program: Program,
    private readonly topics: Topics,
    private readonly events = new EventStoreRepository(),
    private readonly referrals = new ReferralStateRepository(),
    private readonly ledger = new LedgerRepository(),
    private readonly outbox = new OutboxRepository(),
    private readonly anomalies = new AnomalyRepository(),
  ) {}

  readonly isGeneric = (domain: string): boolean => isGenericDomain(this.program, domain);

  async recompute(q: Queryable, seeds: ComponentKeys, now: number): Promise<RecomputeResult> {
    const events = await this.events.loadComponent(q, seeds, this.isGeneric);
    const evaluation = evaluate(events, now, this.program);
    const referralIds = evaluation.referrals.map((r) => r.referralId);
    const stored = await this.referrals.load(q, referralIds);
    const posted = await this.ledger.postedCells(q, referralIds);

    const changes = diffReferrals(evaluation.referrals, stored, now, this.topics);
    const planned = planLedgerEntries(evaluation.amounts, posted);
    const closed = planned.length > 0 ? await this.ledger.closedPeriods(q) : new Set<string>();
    const entries = await this.ledger.append(q, planned, closed);

    await this.referrals.upsert(q, changes.writes, now);
    await this.referrals.appendHistory(q, changes.history);
    await this.outbox.add(q, [...changes.messages, ...entries.map((entry) => accruedMessage(entry, this.topics))]);
    await this.anomalies.record(q, evaluation.anomalies);
    return { events: events.length, referrals: referralIds.length, statusChanges: changes.history.length, ledgerEntries: entries.length };
  }
}
