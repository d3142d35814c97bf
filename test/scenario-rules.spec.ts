import {
  BookedNet, chainStatements, Currency, evaluate, formatAmount, HeldAtEnd, isPartnerEvent, partnerTimelines, payoutOrdersOf, periodEnd, periodOf,
  planLedgerEntries, STANDARD_RULES, standingAt,
} from '@engine/domain';
import { classifyMessages, loadScenario, periodsOfRange, scenarioCatalogue, scenarioNames } from '@engine/testing';

/**
 * The worked scenarios through the pure path (parse + evaluate), without Kafka or a database:
 * checks our reading of CONTRACT.md against outcomes computed separately from the project.
 */
describe.each(scenarioNames())('scenario %s through the pure rules', (name) => {
  const scenario = loadScenario(name);
  const now = Date.parse(scenario.expected.engineNow);
  const { events, rejected } = classifyMessages(scenario.messages);
  const dlq = rejected.map((r) => r.code);
  const rules = { ...STANDARD_RULES, catalogue: scenarioCatalogue(scenario), partnerEnrollment: scenario.expected.partnerEnrollment ?? STANDARD_RULES.partnerEnrollment };
  const result = evaluate(events, now, rules);

  it('sends exactly the expected codes to the DLQ', () => {
    expect(dlq.sort()).toEqual([...scenario.expected.dlqCodes].sort());
  });

  it('gives every referral its expected status, reason, customer and (with a catalogue) program version', () => {
    const withProgram = scenario.programsFile !== null;
    const actual = Object.fromEntries(
      result.referrals.map((r) => [
        r.referralId,
        { partnerId: r.partnerId, status: r.status, reason: r.reason, customerId: r.customerId, ...(withProgram ? { programId: r.programId, programVersion: r.programVersion } : {}) },
      ]),
    );
    expect(actual).toEqual(scenario.expected.referrals);
  });

  it('matches every ledger cell by partner, currency and effective period', () => {
    const cells = new Map<string, { currency: string; sum: bigint }>();
    const totals = new Map<string, { currency: string; sum: bigint }>();
    for (const amount of result.amounts) {
      for (const [map, key] of [
        [cells, `${amount.partnerId}|${amount.currency}|${periodOf(amount.effectiveAt)}`],
        [totals, `${amount.partnerId}|${amount.currency}`],
      ] as const) {
        const cell = map.get(key) ?? { currency: amount.currency, sum: 0n };
        cell.sum += amount.amount;
        map.set(key, cell);
      }
    }
    const render = (map: Map<string, { currency: string; sum: bigint }>) =>
      Object.fromEntries([...map].filter(([, c]) => c.sum !== 0n).map(([k, c]) => [k, formatAmount(c.sum, c.currency as never)]));
    expect(render(cells)).toEqual(scenario.expected.ledgerByPartnerCurrencyPeriod);
    expect(render(totals)).toEqual(scenario.expected.ledgerByPartnerCurrency);
  });
});

/**
 * The statements and payout orders of closing every month in order once all events are applied (CONTRACT §5, §9, §10),
 * from the pure rules: nothing was closed while the events arrived, so every entry is booked in its effective month.
 */
describe.each(scenarioNames().filter((name) => loadScenario(name).expected.closedInOrder))('scenario %s: statements and payout orders', (name) => {
  const scenario = loadScenario(name);
  const now = Date.parse(scenario.expected.engineNow);
  const { events } = classifyMessages(scenario.messages);
  const rules = { ...STANDARD_RULES, catalogue: scenarioCatalogue(scenario), partnerEnrollment: scenario.expected.partnerEnrollment ?? STANDARD_RULES.partnerEnrollment };
  const result = evaluate(events, now, rules);
  const entries = planLedgerEntries(result.amounts, [], result.programs);
  const periods = periodsOfRange(scenario.expected.closedInOrder!);
  const nets: BookedNet[] = entries.map((e) => ({ partnerId: e.partnerId, currency: e.currency, period: periodOf(e.effectiveAt), net: e.amount }));
  const held: HeldAtEnd[] = periods.flatMap((period) =>
    entries
      .filter((e) => e.amount > 0n && periodOf(e.effectiveAt) <= period && e.releaseAt > periodEnd(period))
      .map((e) => ({ partnerId: e.partnerId, currency: e.currency, period, held: e.amount })),
  );
  const timelines = partnerTimelines(events.filter(isPartnerEvent), []);
  const chain = chainStatements({
    periods, previous: [], nets, held, terms: rules.minimumPayouts,
    suspendedAtEnd: (partnerId, period) => standingAt(timelines.get(partnerId), periodEnd(period)).state === 'SUSPENDED',
  });

  it('gives every closed statement, to the cent', () => {
    const f = (minor: bigint, currency: Currency) => formatAmount(minor, currency);
    const actual = Object.fromEntries(periods.map((period) => [
      period,
      Object.fromEntries(chain.get(period)!.map((s) => [`${s.partnerId}|${s.currency}`, {
        opening: f(s.opening, s.currency), net: f(s.net, s.currency), closing: f(s.closing, s.currency), held: f(s.held, s.currency),
        available: f(s.available, s.currency), payable: f(s.payable, s.currency), carried: f(s.carried, s.currency),
      }])),
    ]));
    expect(actual).toEqual(scenario.expected.statements);
  });

  it('creates exactly the expected payout orders', () => {
    const orders = periods.flatMap((period) => payoutOrdersOf(chain.get(period)!));
    const actual = orders.map((o) => ({ payoutId: o.payoutId, amount: formatAmount(o.amount, o.currency), status: 'PENDING' }));
    expect(actual.sort((a, b) => a.payoutId.localeCompare(b.payoutId))).toEqual([...scenario.expected.payoutOrders!].sort((a, b) => a.payoutId.localeCompare(b.payoutId)));
  });
});
