import { evaluate, formatAmount, periodOf, STANDARD_RULES } from '@engine/domain';
import { classifyMessages, loadScenario, scenarioCatalogue, scenarioNames } from '@engine/testing';

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
