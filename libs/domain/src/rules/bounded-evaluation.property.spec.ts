import fc from 'fast-check';
import { eventKey, InputEvent, isPartnerEvent, PartnerEvent } from '../events/input-event';
import { PlannedEntry, planLedgerEntries, PostedCell } from '../ledger/ledger-plan';
import { partnerTimelines } from '../partners/partner-standing';
import { isGenericDomain } from '../program/rules';
import { diffReferrals, StoredReferral } from '../referral/referral-diff';
import { eventsArb, NOW, P, permutationOf } from '../testing/event-arbitraries';
import { SubmissionVerdict } from './attribution';
import { attributeFamily, claimedVerdict, decideReferrals, evaluate } from './evaluate';
import { ReferralOutcome } from './evaluation';
import { AttributionEvent, factsKey, familyLinks, isAttributionEvent, LinkKey, listedUnder, partnerKey, referralKey, signupsKey, touchedBy } from './links';

/**
 * The engine evaluates only what new events touch: the families their submissions and signups join, and the referral
 * each customer with new facts claimed (as stored), with the events of the partners who submitted them; a partner's
 * new event touches the families of all its submissions. These properties replay random event sets in random chunks
 * through that bounded path, in memory, and compare the result with the full evaluation of every event.
 */
const isGeneric = (domain: string) => isGenericDomain(P, domain);

/** The engine's state, in memory: stored events by link key, referral rows, ledger entries. */
class BoundedReplay {
  private readonly stored = new Set<string>();
  private readonly byKey = new Map<LinkKey, InputEvent[]>();
  readonly referrals = new Map<string, StoredReferral>();
  readonly ledger: PlannedEntry[] = [];
  /** how many referrals each chunk evaluated */
  readonly evaluated: number[] = [];

  apply(chunk: readonly InputEvent[]): void {
    const fresh: InputEvent[] = [];
    for (const event of chunk) {
      if (this.stored.has(eventKey(event))) continue;
      this.stored.add(eventKey(event));
      fresh.push(event);
      for (const key of listedUnder(event, isGeneric)) this.byKey.set(key, [...(this.byKey.get(key) ?? []), event]);
    }
    const touched = touchedBy(fresh, isGeneric);
    const familyEvents = this.family(touched.familyKeys);
    const partners = this.partners(familyEvents.flatMap((e) => (e.type === 'referral.submitted' ? [e.partnerId] : [])));
    const family = attributeFamily(familyEvents, partners, P);
    const verdicts: SubmissionVerdict[] = [...family.verdicts];
    const decided = new Set(verdicts.map((v) => v.submission.referralId));
    const claimants = new Set(verdicts.flatMap((v) => (v.claimedBy ? [v.claimedBy.customerId] : [])));
    for (const customerId of touched.customers) {
      if (claimants.has(customerId)) continue;
      const claimed = [...this.referrals.values()].find((r) => r.customerId === customerId);
      if (!claimed || decided.has(claimed.referralId)) continue;
      const submissions = this.events(referralKey(claimed.referralId));
      const claimedPartners = this.partners(submissions.map((e) => (e as { partnerId: string }).partnerId));
      verdicts.push(claimedVerdict(submissions as never, this.events(signupsKey(customerId)) as never, claimedPartners, P));
      decided.add(claimed.referralId);
    }
    const facts = verdicts.flatMap((v) => (v.claimedBy ? this.events(factsKey(v.claimedBy.customerId)) : []));
    const evaluation = decideReferrals(verdicts, facts, this.partners(verdicts.map((v) => v.submission.partnerId)), NOW);
    this.evaluated.push(evaluation.referrals.length);
    for (const write of diffReferrals(evaluation.referrals, this.referrals, NOW).writes) {
      this.referrals.set(write.outcome.referralId, { ...write.outcome, sequence: write.sequence, qualifiedVersion: write.qualifiedVersion });
    }
    const ids = new Set(evaluation.referrals.map((r) => r.referralId));
    this.ledger.push(...planLedgerEntries(evaluation.amounts, cellsOf(this.ledger.filter((e) => ids.has(e.referralId))), evaluation.programs));
  }

  private partners(partnerIds: string[]) {
    const events = [...new Set(partnerIds)].flatMap((id) => this.events(partnerKey(id))).filter((e): e is PartnerEvent => isPartnerEvent(e));
    return partnerTimelines(events, []);
  }

  private events(key: LinkKey): InputEvent[] {
    return this.byKey.get(key) ?? [];
  }

  /** Every stored submission and signup linked to `seeds`, directly or through each other. */
  private family(seeds: Iterable<LinkKey>): AttributionEvent[] {
    const visited = new Set<LinkKey>();
    const found = new Map<string, AttributionEvent>();
    const frontier = [...seeds];
    while (frontier.length > 0) {
      const key = frontier.pop()!;
      if (visited.has(key)) continue;
      visited.add(key);
      for (const event of this.events(key)) {
        if (!isAttributionEvent(event) || found.has(eventKey(event))) continue;
        found.set(eventKey(event), event);
        frontier.push(...familyLinks(event, isGeneric));
      }
    }
    return [...found.values()];
  }
}

const cellKey = (c: { referralId: string; partnerId: string; slot: string; currency: string; effectiveAt: number }) => `${c.referralId}|${c.partnerId}|${c.slot}|${c.currency}|${c.effectiveAt}`;

function cellsOf(entries: readonly PlannedEntry[]): PostedCell[] {
  const cells = new Map<string, PostedCell>();
  for (const e of entries) {
    const cell = cells.get(cellKey(e));
    if (cell) cell.amount += e.amount;
    else cells.set(cellKey(e), { ...e, amount: e.amount });
  }
  return [...cells.values()];
}

function sums(entries: readonly { amount: bigint; referralId: string; partnerId: string; slot: string; currency: string; effectiveAt: number }[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const e of entries) out[cellKey(e)] = (out[cellKey(e)] ?? 0n) + e.amount;
  for (const key of Object.keys(out)) if (out[key] === 0n) delete out[key];
  return out;
}

const rowOf = (r: ReferralOutcome) => ({
  referralId: r.referralId, partnerId: r.partnerId, programId: r.programId, programVersion: r.programVersion, submittedAt: r.submittedAt, customerId: r.customerId, status: r.status, reason: r.reason,
  signedUpAt: r.signedUpAt, activatedAt: r.activatedAt, qualifiedAt: r.qualifiedAt, qualifyingCurrency: r.qualifyingCurrency,
  qualifyingSpend: r.qualifyingSpend, expiresAt: r.expiresAt,
});
const byId = (rows: ReferralOutcome[]) => Object.fromEntries(rows.map((r) => [r.referralId, rowOf(r)]));

/** events, an arrival order of them (with some redelivered), and chunk sizes */
const chunkedArb = eventsArb.chain((events) =>
  fc.tuple(
    fc.constant(events),
    permutationOf(events).chain((order) => fc.subarray(events).map((again) => [...order, ...again])),
    fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 30 }),
  ),
);

function replay(arrival: InputEvent[], chunks: number[]): BoundedReplay {
  const engine = new BoundedReplay();
  for (let at = 0, i = 0; at < arrival.length; i++) {
    const size = chunks[i % chunks.length];
    engine.apply(arrival.slice(at, at + size));
    at += size;
  }
  return engine;
}

describe('the bounded path (what new events touch) equals the full evaluation', () => {
  it('stored referral rows equal the full evaluation in every field (partner and submission time included, after takeovers)', () => {
    fc.assert(
      fc.property(chunkedArb, ([events, arrival, chunks]) => {
        const engine = replay(arrival, chunks);
        expect(byId([...engine.referrals.values()])).toEqual(byId(evaluate(events, NOW, P).referrals));
      }),
      { numRuns: 300 },
    );
  });

  it('the ledger ends equal, cell by cell, to the full evaluation\'s amounts', () => {
    fc.assert(
      fc.property(chunkedArb, ([events, arrival, chunks]) => {
        const engine = replay(arrival, chunks);
        expect(sums(engine.ledger)).toEqual(sums(evaluate(events, NOW, P).amounts));
      }),
      { numRuns: 300 },
    );
  });

  it('a fact of a customer who claimed nothing evaluates no referral', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const engine = new BoundedReplay();
        engine.apply(events);
        const claimants = new Set([...engine.referrals.values()].flatMap((r) => (r.customerId ? [r.customerId] : [])));
        const stray: InputEvent = { type: 'billing.usage_billed', source: 'billing', id: 'stray-line', time: NOW - 1, customerId: 'c-nobody', invoiceLineId: 'X', productCode: 'api.requests', amount: 100n, currency: 'USD' };
        engine.apply([stray]);
        expect(engine.evaluated.at(-1)).toBe(0);
        expect(claimants.has('c-nobody')).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});
