import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@engine/testing';

export const OUTCOMES_FILE = join(repoRoot(), 'out', 'faults', 'outcomes.jsonl');

/**
 * Prints one fault test's outcome (faults injected, what was compared, the verdict) and appends it to
 * out/faults/outcomes.jsonl, so that the numbers can be quoted (docs/GUARANTEES.md quotes them).
 */
export function recordOutcome(test: string, outcome: Record<string, unknown>): void {
  const line = { test, at: new Date().toISOString(), ...outcome };
  mkdirSync(join(repoRoot(), 'out', 'faults'), { recursive: true });
  appendFileSync(OUTCOMES_FILE, `${JSON.stringify(line)}\n`);
  // eslint-disable-next-line no-console
  console.log(`fault outcome: ${test}\n${JSON.stringify(outcome, null, 2)}`);
}

/** The seed of a test's random choices: FAULT_SEED when given (to replay a run), else fresh. */
export function faultSeed(): number {
  return process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : Math.floor(Math.random() * 2 ** 31);
}
