import { Currency } from '../money/currency';
import { Period } from './period';

/** One payout statement of a (partner, currency) for a period (CONTRACT §5, §10). All amounts in integer minor units. */
export interface PayoutStatement {
  period: Period;
  partnerId: string;
  currency: Currency;
  opening: bigint;
  net: bigint;
  closing: bigint;
  /** positive entries booked in the period or before whose release time is after the period's end */
  held: bigint;
  /** closing − held: what payable is taken from */
  available: bigint;
  payable: bigint;
  carried: bigint;
}

/** What is held at the end of `period` for one (partner, currency) (see PayoutStatement.held). */
export interface HeldAtEnd {
  partnerId: string;
  currency: Currency;
  period: Period;
  held: bigint;
}

/** The sum of the ledger entries booked in `period` for one (partner, currency). */
export interface BookedNet {
  partnerId: string;
  currency: Currency;
  period: Period;
  net: bigint;
}

/** Per currency, the smallest balance that is paid out (a global setting, CONTRACT §3), in minor units. */
export type MinimumPayouts = Readonly<Record<Currency, bigint>>;

export interface StatementChain {
  /** the periods to compute, ascending; each one's statements open with the previous one's carried amounts */
  periods: readonly Period[];
  /** the latest statement of each (partner, currency) before the first period of the chain (only `carried` is used) */
  previous: readonly PayoutStatement[];
  /** booked sums; those of periods outside `periods` are ignored */
  nets: readonly BookedNet[];
  /** held amounts at each period's end (none: nothing held) */
  held?: readonly HeldAtEnd[];
  /** whether the partner is SUSPENDED at the end of the period (then nothing is payable; CONTRACT §9) */
  suspendedAtEnd?: (partnerId: string, period: Period) => boolean;
  terms: MinimumPayouts;
}

const keyOf = (s: { partnerId: string; currency: string }) => `${s.partnerId}\u0000${s.currency}`;

function byPartnerThenCurrency(a: PayoutStatement, b: PayoutStatement): number {
  if (a.partnerId !== b.partnerId) return a.partnerId < b.partnerId ? -1 : 1;
  return a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0;
}

/**
 * One statement: closing = opening + net; available = closing − held; payable = available when it reaches the
 * currency's minimum payout and the partner is not suspended, else 0; carried = closing − payable (so held money, a
 * balance under the minimum, or a negative one, is carried to the next period). With nothing held and no suspension
 * this is §5's statement.
 */
export function statementOf(
  period: Period, partnerId: string, currency: Currency, opening: bigint, net: bigint, terms: MinimumPayouts, held = 0n, suspended = false,
): PayoutStatement {
  const closing = opening + net;
  const available = closing - held;
  const payable = !suspended && available >= terms[currency] ? available : 0n;
  return { period, partnerId, currency, opening, net, closing, held, available, payable, carried: closing - payable };
}

/**
 * The statements of every period of the chain, in order. A statement exists for each (partner, currency) with
 * entries booked in the period or a non-zero opening; its opening is the carried amount of that pair's previous
 * statement (0 when there is none). Statements of one period are sorted by partner, then currency.
 */
export function chainStatements(chain: StatementChain): Map<Period, PayoutStatement[]> {
  const periods = [...chain.periods];
  for (let i = 1; i < periods.length; i++) {
    if (!(periods[i - 1] < periods[i])) throw new RangeError(`statement periods must ascend: ${periods[i - 1]} then ${periods[i]}`);
  }
  const carried = new Map<string, { partnerId: string; currency: Currency; amount: bigint }>();
  for (const s of chain.previous) carried.set(keyOf(s), { partnerId: s.partnerId, currency: s.currency, amount: s.carried });

  const netsByPeriod = new Map<Period, Map<string, BookedNet>>();
  for (const n of chain.nets) {
    const inPeriod = netsByPeriod.get(n.period) ?? new Map<string, BookedNet>();
    const seen = inPeriod.get(keyOf(n));
    inPeriod.set(keyOf(n), seen ? { ...seen, net: seen.net + n.net } : n);
    netsByPeriod.set(n.period, inPeriod);
  }

  const heldByPeriod = new Map<Period, Map<string, bigint>>();
  for (const h of chain.held ?? []) {
    const inPeriod = heldByPeriod.get(h.period) ?? new Map<string, bigint>();
    inPeriod.set(keyOf(h), (inPeriod.get(keyOf(h)) ?? 0n) + h.held);
    heldByPeriod.set(h.period, inPeriod);
  }
  const suspended = chain.suspendedAtEnd ?? (() => false);

  const result = new Map<Period, PayoutStatement[]>();
  for (const period of periods) {
    const nets = netsByPeriod.get(period) ?? new Map<string, BookedNet>();
    const held = heldByPeriod.get(period);
    const keys = new Set<string>([...nets.keys()]);
    for (const [key, c] of carried) if (c.amount !== 0n) keys.add(key);
    const statements: PayoutStatement[] = [];
    for (const key of keys) {
      const n = nets.get(key);
      const c = carried.get(key);
      const partnerId = (n ?? c)!.partnerId;
      const currency = (n ?? c)!.currency;
      const statement = statementOf(period, partnerId, currency, c?.amount ?? 0n, n?.net ?? 0n, chain.terms, held?.get(key) ?? 0n, suspended(partnerId, period));
      statements.push(statement);
      carried.set(key, { partnerId, currency, amount: statement.carried });
    }
    result.set(period, statements.sort(byPartnerThenCurrency));
  }
  return result;
}

/**
 * The (provisional) statements of an open `period`: chained from the latest closed statements (`previous`) through
 * every earlier open period that has booked entries, then `period` itself. `nets` holds the booked sums of the open
 * periods after the last closed one, up to and including `period` (later ones are ignored).
 */
export function provisionalStatements(
  period: Period,
  previous: readonly PayoutStatement[],
  nets: readonly BookedNet[],
  terms: MinimumPayouts,
  held: Pick<StatementChain, 'held' | 'suspendedAtEnd'> = {},
): PayoutStatement[] {
  const earlier = [...new Set(nets.map((n) => n.period).filter((p) => p < period))].sort();
  return chainStatements({ periods: [...earlier, period], previous, nets, terms, ...held }).get(period)!;
}
