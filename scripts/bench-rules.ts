import { evaluate, planLedgerEntries, PostedCell, STANDARD_RULES } from '@engine/domain';
import { integerOption } from '@engine/config';
import { activated, day, signedUp, submitted, usage } from '../libs/domain/src/testing/event-factory';

/**
 * `npm run bench:rules [-- --lines 10000 --rounds 30]`: the pure core alone on the late-event path, no I/O. A customer
 * with `lines` usage lines (one a minute, in time order, as the working set holds them) receives a line billed inside
 * its history; `evaluate` re-reads the whole component and `planLedgerEntries` compares it with the cells posted
 * before. Prints the median and best of each over `rounds` (the first rounds warm the JIT and are left out).
 */
const LINES = integerOption('lines', 10_000, 2);
const ROUNDS = integerOption('rounds', 30, 1);
const WARMUP = 5;

const story = [submitted({ referralId: 'r1', partnerId: 'p1', at: 0 }), signedUp({ customerId: 'c1', at: 1 }), activated({ customerId: 'c1', at: 2 })];
const lines = Array.from({ length: LINES }, (_, i) => usage({ customerId: 'c1', amount: '7.00', at: { ms: day(3) + i * 60_000 } }));
const now = day(30);
const before = evaluate([...story, ...lines], now, STANDARD_RULES);
const posted: PostedCell[] = before.amounts.map((a) => ({
  referralId: a.referralId, partnerId: a.partnerId, customerId: a.customerId, slot: a.slot, currency: a.currency, effectiveAt: a.effectiveAt,
  amount: a.amount, sourceEventId: a.sourceEventId,
}));

const evaluateMs: number[] = [];
const planMs: number[] = [];
let corrections = 0;
for (let round = 0; round < WARMUP + ROUNDS; round++) {
  const late = usage({ customerId: 'c1', amount: '7.00', at: { ms: day(3) + Math.floor(LINES / 2) * 60_000 + 30_000 + round } });
  const t0 = process.hrtime.bigint();
  const after = evaluate([...story, ...lines, late], now, STANDARD_RULES);
  const t1 = process.hrtime.bigint();
  corrections = planLedgerEntries(after.amounts, posted, after.programs).length;
  const t2 = process.hrtime.bigint();
  if (round < WARMUP) continue;
  evaluateMs.push(Number(t1 - t0) / 1e6);
  planMs.push(Number(t2 - t1) / 1e6);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs: number[]) => Math.min(...xs);
console.log(`bench:rules: ${LINES} lines, ${before.amounts.length} amounts posted, a late line inside the history plans ${corrections} entries`);
console.log(`bench:rules: evaluate median ${median(evaluateMs).toFixed(1)} ms (best ${best(evaluateMs).toFixed(1)}), planLedgerEntries median ${median(planMs).toFixed(1)} ms (best ${best(planMs).toFixed(1)}), ${ROUNDS} rounds`);
