import { DLQ_HEADERS, DlqCode, ParsedMessage, storableText, Topics } from '@engine/contracts';
import { Clock } from '@engine/config';
import {
  Anomaly, attributeFamily, claimedVerdict, CustomerSignedUp, decideReferrals, diffReferrals, eventKey, factsKey, InputEvent, isGenericDomain, isPartnerEvent,
  partnerKey, partnerTimelines, planLedgerEntries, referralKey, ReferralSubmitted, RuleSettings, signupsKey, Touched, touchedBy,
} from '@engine/domain';
import { InboundMessage, MessageProducer, OutboundMessage } from '@engine/messaging';
import {
  AnomalyRepository, coordinates, DeadLetterRepository, EventStoreRepository, LedgerRepository, lockRuleState, OutboxRepository, Queryable,
  queuedResults, ReferralStateRepository, runDirect, StoredEvent,
} from '@engine/persistence';
import { DataSource } from 'typeorm';
import { PayoutSettlement } from '../payouts/payout-settlement';
import { accruedMessage, qualifiedMessage, statusChangedMessage } from './output-events';
import { WorkingSet } from './working-set';

/** A consumed message as the scheduler hands it over: parsed, or refused with a DLQ code. */
export type IngestMessage = { message: InboundMessage; parsed: ParsedMessage } | { message: InboundMessage; refused: DeadLetter };

export interface DeadLetter {
  code: DlqCode;
  reason: string;
}

export interface AppliedReport {
  /** new events stored and applied */
  applied: number;
  /** exact duplicates dropped */
  duplicates: number;
  /** source topic and DLQ code of each message dead-lettered */
  deadLetters: { topic: string; code: DlqCode }[];
}

export interface ApplyEventsOptions {
  dataSource: DataSource;
  /** the global settings; the program catalogue is read from the database */
  settings: RuleSettings;
  topics: Topics;
  clock: Clock;
  producer: () => Promise<MessageProducer>;
  outbox?: OutboxRepository;
  workingSetMaxEntries?: number;
}

/**
 * The use case of the ingest line: one database transaction for a group of consumed messages. It reads top to bottom:
 * take the rule-state lock → store the new events (the event store is the dedupe record) → load what they touch →
 * evaluate → plan the ledger difference → write referral rows, history, ledger, anomalies → add the outbox batch →
 * dead-letter the refused messages. Retries, isolation and parking are the scheduler's (batch-scheduler.ts).
 */
export class ApplyEvents {
  private readonly store = new EventStoreRepository();
  private readonly referrals = new ReferralStateRepository();
  private readonly ledger = new LedgerRepository();
  private readonly anomalies = new AnomalyRepository();
  private readonly deadLetterLog = new DeadLetterRepository();
  private readonly outbox: OutboxRepository;
  private readonly workingSet: WorkingSet;
  private readonly payouts: PayoutSettlement;
  private readonly isGeneric: (domain: string) => boolean;
  private previous: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ApplyEventsOptions) {
    this.isGeneric = (domain) => isGenericDomain(options.settings, domain);
    this.outbox = options.outbox ?? new OutboxRepository();
    this.workingSet = new WorkingSet(this.isGeneric, options.workingSetMaxEntries);
    this.payouts = new PayoutSettlement(options.topics);
  }

  /** Applies a group of messages in one transaction; throws when it rolled back (nothing of it was written). */
  async apply(messages: readonly IngestMessage[]): Promise<AppliedReport> {
    const { candidates, duplicates, refused } = firstOfEach(messages);
    return this.inTransaction(async (q, now) => {
      const stored = await this.storeEvents(q, candidates);
      await this.settle(q, touchedBy(stored.fresh, this.isGeneric), now);
      const deadLetters = await this.deadLetter(q, [...refused, ...stored.conflicts]);
      return { applied: stored.fresh.length, duplicates: duplicates + stored.duplicates, deadLetters };
    });
  }

  /** Applies expiry to referrals whose deadline passed while no event arrived (CONTRACT §4, "Expiry"); returns how many. */
  async expireDue(limit: number): Promise<number> {
    return this.inTransaction(async (q, now) => {
      const due = await this.referrals.dueForExpiry(q, now, limit);
      await this.settle(q, { familyKeys: new Set(due.map(referralKey)), customers: new Set(), payouts: new Set() }, now);
      return due.length;
    });
  }

  /**
   * One transaction holding the rule-state lock; the working set follows its outcome. Transactions of this instance
   * run one after the other (ingest and the expiry sweep share the working set).
   */
  private inTransaction<T>(work: (q: Queryable, now: number) => Promise<T>): Promise<T> {
    const run = this.previous.then(() => this.transaction(work));
    this.previous = run.catch(() => undefined);
    return run;
  }

  private async transaction<T>(work: (q: Queryable, now: number) => Promise<T>): Promise<T> {
    try {
      const result = await this.options.dataSource.transaction((transaction) =>
        runDirect(transaction, async (q) => {
          this.workingSet.begin(await lockRuleState(q));
          return work(q, this.options.clock.now());
        }),
      );
      this.workingSet.committed();
      return result;
    } catch (error) {
      this.workingSet.failed();
      throw error;
    }
  }

  /** Inserts the candidates; an event stored before is a duplicate (same payload) or a conflict (another payload). */
  private async storeEvents(q: Queryable, candidates: readonly Candidate[]): Promise<{ fresh: InputEvent[]; duplicates: number; conflicts: Refusal[] }> {
    const inserted = await this.store.insertNew(q, candidates.map((c) => c.stored));
    const fresh: InputEvent[] = [];
    const seenBefore: Candidate[] = [];
    for (const candidate of candidates) {
      if (inserted.has(eventKey(candidate.stored.event))) fresh.push(candidate.stored.event);
      else seenBefore.push(candidate);
    }
    this.workingSet.added(fresh);
    const hashes = await this.store.findHashes(q, seenBefore.map((c) => c.stored.event));
    const conflicts = seenBefore.filter((c) => hashes.get(eventKey(c.stored.event)) !== c.stored.hash).map((c) => conflict(c.message));
    return { fresh, duplicates: seenBefore.length - conflicts.length, conflicts };
  }

  /**
   * Brings every referral that the touched keys reach to what the rules say. Attribution is decided over the touched
   * families; a customer's new facts re-evaluate only the referral it claimed (unless its family is being decided);
   * both under the standings of the partners who submitted them and the catalogue as it stands.
   */
  private async settle(q: Queryable, touched: Touched, now: number): Promise<void> {
    const rules = { ...this.options.settings, catalogue: await this.workingSet.catalogue(q) };
    const familyEvents = await this.workingSet.family(q, touched.familyKeys);
    const inFamily = new Set<string>();
    for (const event of familyEvents) inFamily.add(event.type === 'referral.submitted' ? referralKey(event.referralId) : signupsKey(event.customerId));
    const claims = await this.workingSet.claimsOf(q, [...touched.customers].filter((c) => !inFamily.has(signupsKey(c))));
    const reached = new Map<string, string>(); // referralId → the customer that claimed it
    for (const [customerId, referralId] of claims) if (!inFamily.has(referralKey(referralId))) reached.set(referralId, customerId);
    const claimed = await this.workingSet.eventsUnder(q, [...reached].flatMap(([referralId, customerId]) => [referralKey(referralId), signupsKey(customerId)]));

    const partnerIds = new Set<string>();
    for (const event of [...familyEvents, ...claimed]) if (event.type === 'referral.submitted') partnerIds.add(event.partnerId);
    const anomalies: Anomaly[] = [];
    const partnerEvents = (await this.workingSet.eventsUnder(q, [...partnerIds].map(partnerKey))).filter(isPartnerEvent);
    const partners = partnerTimelines(partnerEvents, anomalies);

    const family = attributeFamily(familyEvents, partners, rules);
    const verdicts = [...family.verdicts];
    for (const [referralId, customerId] of reached) {
      const submissions = (await this.workingSet.eventsUnder(q, [referralKey(referralId)])) as ReferralSubmitted[];
      const signups = (await this.workingSet.eventsUnder(q, [signupsKey(customerId)])) as CustomerSignedUp[];
      verdicts.push(claimedVerdict(submissions, signups, partners, rules));
    }
    const facts = await this.workingSet.eventsUnder(q, verdicts.flatMap((v) => (v.claimedBy ? [factsKey(v.claimedBy.customerId)] : [])));
    const evaluation = decideReferrals(verdicts, facts, partners, now);
    anomalies.push(...family.anomalies, ...evaluation.anomalies);

    const referralIds = evaluation.referrals.map((r) => r.referralId);
    const stored = await this.workingSet.storedReferrals(q, referralIds);
    const posted = await this.workingSet.postedCells(q, referralIds);
    const changes = diffReferrals(evaluation.referrals, stored, now);
    const planned = planLedgerEntries(evaluation.amounts, posted, evaluation.programs);
    const closed = planned.length > 0 ? await this.workingSet.closedPeriods(q) : new Set<string>();

    // Queued back to back on the transaction's connection; only the outbox waits, for the new entries' ids.
    const [, , , entries] = await queuedResults([
      this.referrals.upsert(q, changes.writes, now),
      this.referrals.appendHistory(q, changes.statusChanges.map((c) => c.change)),
      this.anomalies.record(q, anomalies),
      this.ledger.append(q, planned, closed),
    ]);
    this.workingSet.remember(changes.writes, planned);
    const { topics } = this.options;
    const payoutMessages = touched.payouts.size > 0 ? await this.payouts.settle(q, [...touched.payouts], now) : [];
    await this.outbox.add(q, [
      ...changes.statusChanges.map(({ outcome, change }) => statusChangedMessage(outcome, change, topics)),
      ...changes.qualifications.map(({ outcome, version }) => qualifiedMessage(outcome, version, now, topics)),
      ...entries.map((entry) => accruedMessage(entry, topics)),
      ...payoutMessages,
    ]);
  }

  /**
   * Dead letters are acknowledged by the broker before the transaction commits: nothing is lost on a crash. Those
   * recorded by an earlier commit (a redelivery) are not sent again.
   */
  private async deadLetter(q: Queryable, refusals: readonly Refusal[]): Promise<AppliedReport['deadLetters']> {
    if (refusals.length === 0) return [];
    const once = new Map(refusals.map((r) => [coordinates(r.message), r]));
    const unsent = await this.deadLetterLog.recordNew(
      q,
      [...once.values()].map(({ message: m, code, reason }) => ({
        topic: m.topic, partition: m.partition, offset: m.offset, code, reason: storableText(reason.slice(0, 1000)), key: m.key, value: m.value ?? Buffer.alloc(0),
      })),
    );
    const letters = [...once.values()].filter((r) => unsent.has(coordinates(r.message)));
    if (letters.length > 0) await (await this.options.producer()).send(this.options.topics.dlq, letters.map(toDlqMessage));
    return letters.map((l) => ({ topic: l.message.topic, code: l.code }));
  }
}

interface Candidate {
  stored: StoredEvent;
  message: InboundMessage;
}

interface Refusal extends DeadLetter {
  message: InboundMessage;
}

/** The first message of each (source, id) in the group; a repeat is a duplicate, or a conflict when its payload differs. */
function firstOfEach(messages: readonly IngestMessage[]): { candidates: Candidate[]; duplicates: number; refused: Refusal[] } {
  const first = new Map<string, Candidate>();
  const refused: Refusal[] = [];
  let duplicates = 0;
  for (const item of messages) {
    if ('refused' in item) {
      refused.push({ message: item.message, ...item.refused });
      continue;
    }
    const { parsed, message } = item;
    const key = eventKey(parsed.event);
    const seen = first.get(key);
    if (!seen) {
      first.set(key, { message, stored: { event: parsed.event, hash: parsed.hash, origin: { topic: message.topic, partition: message.partition, offset: message.offset } } });
    } else if (seen.stored.hash === parsed.hash) duplicates++;
    else refused.push(conflict(message));
  }
  return { candidates: [...first.values()], duplicates, refused };
}

function conflict(message: InboundMessage): Refusal {
  return { message, code: DlqCode.CONFLICTING_DUPLICATE, reason: 'an event with this source and id was already received with a different payload' };
}

function toDlqMessage(letter: Refusal): OutboundMessage {
  return {
    key: letter.message.key?.toString('utf8') ?? null,
    value: letter.message.value ?? Buffer.alloc(0),
    headers: {
      [DLQ_HEADERS.code]: letter.code,
      [DLQ_HEADERS.message]: letter.reason,
      [DLQ_HEADERS.topic]: letter.message.topic,
      [DLQ_HEADERS.partition]: String(letter.message.partition),
      [DLQ_HEADERS.offset]: letter.message.offset,
    },
  };
}
