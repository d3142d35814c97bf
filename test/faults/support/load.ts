import { TOPICS } from '@engine/contracts';
import { sampleStream, ScenarioMessage, seededRandom } from '@engine/testing';

export interface LoadOptions {
  seed: number;
  prospects: number;
  /** share of valid messages published a second time, later (exact redeliveries) */
  redeliveries?: number;
  /** bad messages mixed in (each must reach the DLQ) */
  badMessages?: number;
}

/**
 * A fault test's input: sampleStream (every outcome of the program, some stories out of order) with ids unique
 * to the seed, plus exact redeliveries and a few bad messages, in a seeded order that keeps each topic's
 * sequence of a story only roughly (partitions interleave anyway).
 */
export function faultLoad(options: LoadOptions): ScenarioMessage[] {
  const random = seededRandom(options.seed);
  const base = sampleStream({ seed: options.seed, prospects: options.prospects, idPrefix: `s${options.seed.toString(36)}`, outOfOrderShare: 0.15 });
  const out = [...base];
  const redeliveries = Math.floor(base.length * (options.redeliveries ?? 0));
  for (let i = 0; i < redeliveries; i++) {
    const at = Math.floor(random() * base.length);
    out.splice(at + Math.floor(random() * (out.length - at)), 0, base[at]); // a producer retry or an upstream replay
  }
  const topics = [TOPICS.referrals, TOPICS.lifecycle, TOPICS.billing, TOPICS.partners, TOPICS.payouts];
  for (let i = 0; i < (options.badMessages ?? 0); i++) {
    const topic = topics[i % topics.length];
    const good = base[Math.floor(random() * base.length)].value;
    const bad = [
      good.slice(0, Math.floor(good.length / 2)), // truncated JSON
      JSON.stringify({ ...JSON.parse(good), specversion: '0.3', id: `bad-${options.seed}-${i}` }), // bad envelope
      JSON.stringify({ specversion: '1.0', id: `bad-${options.seed}-${i}`, source: 'fuzz', type: 'nobody.knows', time: '2026-01-01T00:00:00Z', data: {} }),
    ][i % 3];
    out.splice(Math.floor(random() * out.length), 0, { topic, key: `bad-${i}`, value: bad });
  }
  return out;
}
