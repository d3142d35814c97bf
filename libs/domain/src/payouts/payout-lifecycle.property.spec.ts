import fc from 'fast-check';
import { InputEvent, isPartnerEvent, PartnerEvent } from '../events/input-event';
import { LedgerEntryType, planLedgerEntries, PostedCell } from '../ledger/ledger-plan';
import { bookedPeriod, nextPeriod, Period, periodEnd, periodOf } from '../ledger/period';
import { BookedNet, chainStatements, HeldAtEnd, PayoutStatement } from '../ledger/statements';
import { Currency } from '../money/currency';
import { partnerTimelines, standingAt } from '../partners/partner-standing';
import { DAY_MS } from '../program/terms';
import { evaluate } from '../rules/evaluate';
import { eventsArb, NOW, P, PARTNERS, permutationOf } from '../testing/event-arbitraries';
import { T0 } from '../testing/event-factory';
import {
  decidePayout, partnerBalance, PayoutDecision, PayoutOrder, payoutOrdersOf, PayoutOutcome, payoutReturnSlot, planPayoutReturn, PostedReturn,
} from './payout-order';

/**
 * CONTRACT §5, §9, §10 as a model: an in-memory engine takes a random event set in a random arrival order, and between
 * arrivals finance closes the next period and the payment system reports outcomes (PAID or FAILED, sometimes late and
 * earlier than one already known) of random payout orders. The ledger is only appended to: the rules' amounts via
 * planLedgerEntries (released as planned), and payout returns via planPayoutReturn; every entry is booked per §5.
 * After every step the money must add up:
 *  (a) the balance: earned = paid + pending + available + held (by definition), and earned − paid − pending − failed
 *      = what the closed chain still owes (last carried + open entries);
 *  (b) the closed chain: sum of payables of closed statements + last carried + entries booked in open periods = ledger total;
 *  (c) each order is its statement's payable, and each statement with payable > 0 has its order;
 *  (d) a FAILED order's amount comes back: a PAYOUT_RETURNED entry booked in the next period to close, and that
 *      period's statement has it in its net.
 * Also: closed statements never change (recomputing the closed chain from the ledger later gives the same ones).
 */

interface Entry {
  partnerId: string;
  currency: Currency;
  referralId: string | null;
  customerId: string | null;
  slot: string;
  type: LedgerEntryType;
  effectiveAt: number;
  amount: bigint;
  releaseAt: number;
  sourceEventId: string | null;
  booked: Period;
}

type Pair = string;
const pairOf = (x: { partnerId: string; currency: string }): Pair => `${x.partnerId}|${x.currency}`;
const sum = (xs: Iterable<bigint>) => {
  let total = 0n;
  for (const x of xs) total += x;
  return total;
};
const terms = P.minimumPayouts;

/** The engine in memory: ledger, closed periods with their frozen statements, payout orders and their outcomes. */
class Model {
  readonly arrived: InputEvent[] = [];
  readonly entries: Entry[] = [];
  readonly closed = new Set<Period>();
  readonly closedInOrder: Period[] = [];
  /** frozen statements of each closed period */
  readonly statements = new Map<Period, PayoutStatement[]>();
  /** the latest closed statement of each pair */
  readonly latest = new Map<Pair, PayoutStatement>();
  /** the suspension flag each close used, by `period|partnerId` */
  readonly suspendedAtClose = new Map<string, boolean>();
  readonly orders: PayoutOrder[] = [];
  readonly outcomes = new Map<string, PayoutOutcome[]>();
  readonly decisions = new Map<string, PayoutDecision>();
  private outcomeCount = 0;

  private book(entry: Omit<Entry, 'booked'>): Entry {
    const booked = { ...entry, booked: bookedPeriod(periodOf(entry.effectiveAt), this.closed) };
    this.entries.push(booked);
    return booked;
  }

  /** The period the next close closes: after the last closed one; the first is the earliest with entries (or 2026-01). */
  nextToClose(): Period {
    const last = this.closedInOrder.at(-1);
    if (last) return nextPeriod(last);
    return this.entries.reduce((min, e) => (e.booked < min ? e.booked : min), periodOf(T0));
  }

  /** New events arrive: the rules are evaluated over everything so far and the ledger is brought to their amounts. */
  arrive(events: readonly InputEvent[]): void {
    this.arrived.push(...events);
    const evaluation = evaluate(this.arrived, NOW, P);
    const planned = planLedgerEntries(evaluation.amounts, this.referralCells(), evaluation.programs);
    for (const e of planned) {
      this.book({
        partnerId: e.partnerId, currency: e.currency, referralId: e.referralId, customerId: e.customerId, slot: e.slot, type: e.type,
        effectiveAt: e.effectiveAt, amount: e.amount, releaseAt: e.releaseAt, sourceEventId: e.sourceEventId,
      });
    }
    expect(planLedgerEntries(evaluation.amounts, this.referralCells(), evaluation.programs)).toEqual([]); // converged
  }

  /** Finance closes the next period: its statements are frozen and the payable ones become payout orders. */
  close(): PayoutStatement[] {
    const period = this.nextToClose();
    const end = periodEnd(period);
    const nets: BookedNet[] = this.entries
      .filter((e) => e.booked === period)
      .map((e) => ({ partnerId: e.partnerId, currency: e.currency, period, net: e.amount }));
    const held: HeldAtEnd[] = this.entries
      .filter((e) => e.amount > 0n && e.booked <= period && e.releaseAt > end)
      .map((e) => ({ partnerId: e.partnerId, currency: e.currency, period, held: e.amount }));
    const timelines = partnerTimelines(this.arrived.filter(isPartnerEvent) as PartnerEvent[], []);
    const suspendedAtEnd = (partnerId: string, p: Period) => {
      const suspended = standingAt(timelines.get(partnerId), periodEnd(p)).state === 'SUSPENDED';
      this.suspendedAtClose.set(`${p}|${partnerId}`, suspended);
      return suspended;
    };
    const statements = chainStatements({ periods: [period], previous: [...this.latest.values()], nets, held, suspendedAtEnd, terms }).get(period)!;
    for (const s of statements) {
      expect(s.opening).toBe(this.latest.get(pairOf(s))?.carried ?? 0n);
      expect(s.net).toBe(sum(nets.filter((n) => pairOf(n) === pairOf(s)).map((n) => n.net)));
      expect(s.held).toBe(sum(held.filter((h) => pairOf(h) === pairOf(s)).map((h) => h.held)));
    }
    this.closed.add(period);
    this.closedInOrder.push(period);
    this.statements.set(period, statements);
    for (const s of statements) this.latest.set(pairOf(s), s);
    this.orders.push(...payoutOrdersOf(statements));
    return statements;
  }

  /** The payment system reports an outcome of an order; a failure gives the money back, a late earlier one corrects. */
  recordOutcome(order: PayoutOrder, status: 'PAID' | 'FAILED', time: number, idPrefix: string): Entry[] {
    const id = `${idPrefix}-${String(++this.outcomeCount).padStart(3, '0')}`;
    const outcomes = [...(this.outcomes.get(order.payoutId) ?? []), { status, source: 'payments', id, time, reference: null, reason: status === 'FAILED' ? 'bounced' : null }];
    this.outcomes.set(order.payoutId, outcomes);
    const decision = decidePayout(order, outcomes);
    this.decisions.set(order.payoutId, decision);
    const booked = planPayoutReturn(order, decision, this.postedReturn(order)).map((e) =>
      this.book({ ...e, referralId: null, customerId: null, releaseAt: e.effectiveAt }),
    );
    expect(planPayoutReturn(order, decision, this.postedReturn(order))).toEqual([]);
    return booked;
  }

  statusOf(order: PayoutOrder): PayoutDecision['status'] {
    return this.decisions.get(order.payoutId)?.status ?? 'PENDING';
  }

  /** The rules' part of the ledger, summed per (referral, partner, slot, currency, effectiveAt). */
  private referralCells(): PostedCell[] {
    const cells = new Map<string, PostedCell>();
    for (const e of this.entries) {
      if (e.referralId === null) continue;
      const key = `${e.referralId}|${e.partnerId}|${e.slot}|${e.currency}|${e.effectiveAt}`;
      const found = cells.get(key);
      if (found) found.amount += e.amount;
      else cells.set(key, { referralId: e.referralId, partnerId: e.partnerId, customerId: e.customerId, slot: e.slot, currency: e.currency, effectiveAt: e.effectiveAt, amount: e.amount, sourceEventId: e.sourceEventId });
    }
    return [...cells.values()];
  }

  returnEntries(order: PayoutOrder): Entry[] {
    return this.entries.filter((e) => e.slot === payoutReturnSlot(order.payoutId));
  }

  private postedReturn(order: PayoutOrder): PostedReturn[] {
    const sums = new Map<number, bigint>();
    for (const e of this.returnEntries(order)) sums.set(e.effectiveAt, (sums.get(e.effectiveAt) ?? 0n) + e.amount);
    return [...sums].map(([effectiveAt, amount]) => ({ effectiveAt, amount }));
  }
}

function checkInvariants(model: Model, balanceAt: number): void {
  const pairs = new Set<Pair>([...model.entries.map(pairOf), ...model.latest.keys()]);
  const closedStatements = [...model.statements.values()].flat();

  for (const pair of pairs) {
    const entries = model.entries.filter((e) => pairOf(e) === pair);
    const total = sum(entries.map((e) => e.amount));
    const payables = sum(closedStatements.filter((s) => pairOf(s) === pair).map((s) => s.payable));
    const lastCarried = model.latest.get(pair)?.carried ?? 0n;
    const open = sum(entries.filter((e) => !model.closed.has(e.booked)).map((e) => e.amount));
    // (b) the closed chain accounts for every entry
    expect(payables + lastCarried + open).toBe(total);

    // (a) the balance at a random moment
    const orders = model.orders.filter((o) => pairOf(o) === pair).map((o) => ({ status: model.statusOf(o), amount: o.amount }));
    const heldNow = sum(entries.filter((e) => e.amount > 0n && e.releaseAt > balanceAt).map((e) => e.amount));
    const balance = partnerBalance(pair.split('|')[1] as Currency, total, heldNow, orders);
    expect(balance.earned).toBe(balance.paid + balance.pending + balance.available + balance.held);
    // every payable became an order; a FAILED one's amount is back in the ledger as PAYOUT_RETURNED, so what is still
    // owed is earned less all orders, failed ones included. (The contract's `available` leaves FAILED orders out, so it
    // shows a failed payout twice until the return is paid: available = owed + failed − held.)
    const failed = sum(orders.filter((o) => o.status === 'FAILED').map((o) => o.amount));
    expect(balance.earned - balance.paid - balance.pending - failed).toBe(lastCarried + open);
  }

  // (c) orders are the closed statements' payables, one each
  const payableStatements = closedStatements.filter((s) => s.payable > 0n);
  expect(model.orders.map((o) => o.payoutId).sort()).toEqual(payableStatements.map((s) => `${s.period}:${s.partnerId}:${s.currency}`).sort());
  for (const order of model.orders) {
    const statement = model.statements.get(order.period)!.find((s) => s.partnerId === order.partnerId && s.currency === order.currency)!;
    expect(order.amount).toBe(statement.payable);
    // (d, in the ledger) a FAILED order's amount is back exactly once, at its failure; otherwise nothing is
    const returned = model.returnEntries(order);
    const decision = model.decisions.get(order.payoutId);
    expect(sum(returned.map((e) => e.amount))).toBe(decision?.status === 'FAILED' ? order.amount : 0n);
    for (const e of returned) if (e.effectiveAt !== decision?.returned?.effectiveAt) expect(sum(returned.filter((r) => r.effectiveAt === e.effectiveAt).map((r) => r.amount))).toBe(0n);
  }

  // every statement rule, and closed statements never change: the closed chain recomputed from today's ledger is the same
  for (const s of closedStatements) {
    const suspended = model.suspendedAtClose.get(`${s.period}|${s.partnerId}`) ?? false;
    expect(s.available).toBe(s.closing - s.held);
    expect(s.payable).toBe(!suspended && s.available >= terms[s.currency] ? s.available : 0n);
    expect(s.carried).toBe(s.closing - s.payable);
  }
  if (model.closedInOrder.length > 0) {
    const recomputed = chainStatements({
      periods: model.closedInOrder,
      previous: [],
      nets: model.entries.filter((e) => model.closed.has(e.booked)).map((e) => ({ partnerId: e.partnerId, currency: e.currency, period: e.booked, net: e.amount })),
      held: model.closedInOrder.flatMap((period) => model.entries
        .filter((e) => e.amount > 0n && e.booked <= period && e.releaseAt > periodEnd(period))
        .map((e) => ({ partnerId: e.partnerId, currency: e.currency, period, held: e.amount }))),
      suspendedAtEnd: (partnerId, period) => model.suspendedAtClose.get(`${period}|${partnerId}`) ?? false,
      terms,
    });
    expect(recomputed).toEqual(model.statements);
  }
}

type Action =
  | { kind: 'arrive'; count: number }
  | { kind: 'close' }
  | { kind: 'outcome'; order: number; status: 'PAID' | 'FAILED'; slice: number; idPrefix: string };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('arrive' as const), count: fc.integer({ min: 1, max: 15 }) }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'close' as const }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('outcome' as const),
      order: fc.nat(),
      status: fc.constantFrom<'PAID' | 'FAILED'>('PAID', 'FAILED', 'FAILED'),
      /** where in [the order's period end, the engine clock] the outcome happened, in twentieths (so ties happen) */
      slice: fc.integer({ min: 0, max: 20 }),
      /** ids compare unrelated to arrival */
      idPrefix: fc.constantFrom('a', 'm', 'z'),
    }),
  },
);

/** extra suspensions and reinstatements, so that statements of suspended partners happen often */
const standingArb: fc.Arbitrary<PartnerEvent[]> = fc
  .array(fc.record({ partnerId: fc.constantFrom(...PARTNERS.map((p) => p.partnerId)), suspended: fc.boolean(), day: fc.integer({ min: 0, max: 200 }) }), { maxLength: 4 })
  .map((drafts) => drafts.map(({ partnerId, suspended, day }, i) => ({
    type: suspended ? 'partner.suspended' as const : 'partner.reinstated' as const, source: 'partner-admin', id: `s${i}`, time: T0 + day * DAY_MS, partnerId, reason: null,
  })));

/** event sets under which someone earns something */
const earningEventsArb = fc
  .tuple(eventsArb, standingArb)
  .map(([events, standing]) => [...events, ...standing])
  .filter((events) => evaluate(events, NOW, P).amounts.length > 0);

type Step = { action: Action; balanceDay: number };
const stepArb: fc.Arbitrary<Step> = fc.record({ action: actionArb, balanceDay: fc.integer({ min: -10, max: 640 }) });

const scenarioArb = fc.record({
  events: earningEventsArb.chain((events) => permutationOf(events)), // the arrival order
  /** while events arrive */
  steps: fc.array(stepArb, { maxLength: 40 }),
  /** after every event has arrived */
  tail: fc.array(stepArb.filter(({ action }) => action.kind !== 'arrive'), { maxLength: 30 }),
});

/** Runs a scenario against the model, checking the invariants after every step. */
function run(events: readonly InputEvent[], steps: readonly Step[], tail: readonly Step[]): Model {
  const model = new Model();
  let arrived = 0;
  /** (d) the periods and pairs where returns were booked, to be seen in the statements when those periods close */
  let returnsToSee: { period: Period; pair: Pair }[] = [];

  const close = () => {
    const period = model.nextToClose();
    const statements = model.close();
    for (const due of returnsToSee.filter((r) => r.period === period)) {
      const statement = statements.find((s) => pairOf(s) === due.pair);
      expect(statement).toBeDefined();
      const booked = model.entries.filter((e) => e.booked === period && pairOf(e) === due.pair);
      expect(booked.some((e) => e.slot.startsWith('PAYOUT_RETURNED:'))).toBe(true);
      expect(statement!.net).toBe(sum(booked.map((e) => e.amount)));
    }
    returnsToSee = returnsToSee.filter((r) => r.period !== period);
  };

  const outcome = (action: Extract<Action, { kind: 'outcome' }>) => {
    if (model.orders.length === 0) return;
    const order = model.orders[action.order % model.orders.length];
    // the engine clock is in the next period to close (the one before it has ended and been closed)
    const from = periodEnd(order.period);
    const clock = periodEnd(model.nextToClose()) - 1;
    const time = from + Math.floor(((clock - from) * action.slice) / 20);
    const returns = model.recordOutcome(order, action.status, time, action.idPrefix);
    for (const e of returns) {
      expect(e.booked).toBe(model.nextToClose()); // (d) booked in the next period to close, so paid with its statement
      returnsToSee.push({ period: e.booked, pair: pairOf(e) });
    }
    const decision = model.decisions.get(order.payoutId)!;
    expect(decision.anomalies.length).toBe(model.outcomes.get(order.payoutId)!.filter((o) => o.status !== decision.status).length);
  };

  const apply = ({ action, balanceDay }: Step) => {
    if (action.kind === 'arrive') {
      model.arrive(events.slice(arrived, arrived + action.count));
      arrived += action.count;
    } else if (action.kind === 'close') close();
    else outcome(action);
    checkInvariants(model, T0 + balanceDay * DAY_MS);
  };

  steps.forEach(apply);
  apply({ action: { kind: 'arrive', count: events.length }, balanceDay: 100 });
  tail.forEach(apply);

  // finance closes until nothing is open or held any more
  const lastNeeded = model.entries.reduce((max, e) => {
    const needed = e.booked > periodOf(e.releaseAt) ? e.booked : periodOf(e.releaseAt);
    return needed > max ? needed : max;
  }, model.nextToClose());
  while (model.nextToClose() <= lastNeeded) close();
  checkInvariants(model, NOW);
  const lastClosed = model.closedInOrder.at(-1)!;
  for (const [pair, last] of model.latest) {
    expect(sum(model.entries.filter((e) => pairOf(e) === pair && !model.closed.has(e.booked)).map((e) => e.amount))).toBe(0n);
    // a pair's balance is carried from statement to statement, and at the end nothing is held and nothing payable left
    expect(last.carried === 0n || last.period === lastClosed).toBe(true);
    if (last.period === lastClosed) {
      expect(last.held).toBe(0n);
      if (!model.suspendedAtClose.get(`${last.period}|${last.partnerId}`)) expect(last.carried < terms[last.currency]).toBe(true);
    }
  }
  return model;
}

describe('payout lifecycle (model)', () => {
  it('closes, payout outcomes (late and earlier ones too) and late events keep chain, orders, returns and balance consistent', () => {
    fc.assert(
      fc.property(scenarioArb, ({ events, steps, tail }) => {
        run(events, steps, tail);
      }),
      { numRuns: 200 },
    );
  });
});
