import { programFromDocument, validateProgramsFile } from '@engine/contracts';
import { Catalogue, catalogueOf, PartnerEnrollment, periodsFrom, ProgramDefinition, STANDARD_PROGRAM, STANDARD_PROGRAM_ID } from '@engine/domain';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
  /** the binding, in scenarios with a catalogue file */
  programId?: string;
  programVersion?: number;
}

export interface ExpectedStatement {
  opening: string;
  net: string;
  closing: string;
  held: string;
  available: string;
  payable: string;
  carried: string;
}

/** A worked scenario (test/fixtures/scenarios): messages and the outcome CONTRACT.md gives for them. */
export interface Scenario {
  name: string;
  messages: ScenarioMessage[];
  /** the scenario's catalogue file (PROGRAMS_FILE), when it has one */
  programsFile: string | null;
  expected: {
    engineNow: string;
    partnerEnrollment?: PartnerEnrollment;
    programsFile?: string;
    /** `YYYY-MM..YYYY-MM`: the months closed in order once every event is applied */
    closedInOrder?: string;
    /** by period, then `partner|currency`: the closed statements (decimal strings) */
    statements?: Record<string, Record<string, ExpectedStatement>>;
    /** the orders those closes create, in creation order */
    payoutOrders?: { payoutId: string; amount: string; status: string }[];
    referrals: Record<string, ExpectedReferral>;
    ledgerByPartnerCurrencyPeriod: Record<string, string>;
    ledgerByPartnerCurrency: Record<string, string>;
    dlqCodes: string[];
  };
}

/** The repository root (the nearest folder with package.json), from src or from dist alike. */
export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export const SCENARIO_DIR = join(repoRoot(), 'test', 'fixtures', 'scenarios');

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
  return { name, messages, expected, programsFile: expected.programsFile ? join(dir, expected.programsFile) : null };
}

/**
 * The catalogue a scenario runs under: the built-in `standard`, plus its catalogue file read as PROGRAMS_FILE is at start
 * (the file's `standard` adds versions to the built-in one).
 */
export function scenarioCatalogue(scenario: Scenario): Catalogue {
  const programs = new Map<string, ProgramDefinition>([[STANDARD_PROGRAM_ID, STANDARD_PROGRAM]]);
  if (scenario.programsFile) {
    const file = validateProgramsFile(JSON.parse(readFileSync(scenario.programsFile, 'utf8')));
    if (!file.ok) throw new Error(`${scenario.programsFile}: ${file.problems.map((p) => p.message).join('; ')}`);
    for (const doc of file.value.programs) {
      const program = programFromDocument(doc);
      const builtIn = programs.get(program.programId);
      programs.set(program.programId, builtIn ? { ...builtIn, versions: [...builtIn.versions, ...program.versions] } : program);
    }
  }
  return catalogueOf(programs.values());
}

/** The periods of a `closedInOrder` range, `2025-01..2026-09`, in order. */
export function periodsOfRange(range: string): string[] {
  const [from, to] = range.split('..');
  return periodsFrom(from, to);
}
