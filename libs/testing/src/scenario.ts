import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One Kafka message of a scenario file: topic, key and the raw value text. */
export interface ScenarioMessage {
  topic: string;
  key: string | null;
  value: string;
}

export interface ExpectedReferral {
  partnerId: string;
  status: string;
  reason: string | null;
  customerId: string | null;
}

/** A worked scenario (test/fixtures/scenarios): messages and the outcome CONTRACT.md gives for them. */
export interface Scenario {
  name: string;
  messages: ScenarioMessage[];
  expected: {
    engineNow: string;
    referrals: Record<string, ExpectedReferral>;
    ledgerByPartnerCurrencyPeriod: Record<string, string>;
    ledgerByPartnerCurrency: Record<string, string>;
    dlqCodes: string[];
  };
}

export const SCENARIO_DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'scenarios');

export function scenarioNames(): string[] {
  return readdirSync(SCENARIO_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

export function loadScenario(name: string): Scenario {
  const dir = join(SCENARIO_DIR, name);
  const messages = readFileSync(join(dir, 'messages.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ScenarioMessage);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  return { name, messages, expected };
}
