import { ProgramTerms, STANDARD_TERMS } from './terms';

export const STANDARD_PROGRAM_ID = 'standard';
export const PROGRAM_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** One effective-dated version of a program: complete terms, or `retired` (null terms): from then on it matches nothing. */
export interface ProgramVersion {
  version: number;
  /** epoch ms */
  effectiveFrom: number;
  terms: ProgramTerms | null;
}

/** A program (CONTRACT §8): a scope and a priority fixed at creation, and its versions. A null scope list matches everything. */
export interface ProgramDefinition {
  programId: string;
  name: string;
  priority: number;
  regions: readonly string[] | null;
  partnerGroups: readonly string[] | null;
  versions: readonly ProgramVersion[];
}

/** Every program, in binding order: descending priority, then programId ascending. */
export interface Catalogue {
  programs: readonly ProgramDefinition[];
}

export const STANDARD_PROGRAM: ProgramDefinition = {
  programId: STANDARD_PROGRAM_ID,
  name: 'Standard',
  priority: 0,
  regions: null,
  partnerGroups: null,
  versions: [{ version: 1, effectiveFrom: 0, terms: STANDARD_TERMS }],
};

export function catalogueOf(programs: Iterable<ProgramDefinition>): Catalogue {
  const sorted = [...programs].sort((a, b) => b.priority - a.priority || (a.programId < b.programId ? -1 : a.programId > b.programId ? 1 : 0));
  if (!sorted.some((p) => p.programId === STANDARD_PROGRAM_ID)) throw new Error('the catalogue must hold the built-in program standard');
  return { programs: sorted };
}

/** The catalogue of a new deployment: the built-in program `standard` alone. */
export const STANDARD_CATALOGUE: Catalogue = catalogueOf([STANDARD_PROGRAM]);

/** The version of a program in force at `time`: the highest effectiveFrom ≤ time, then the highest version number. */
export function versionAt(program: ProgramDefinition, time: number): ProgramVersion | null {
  let found: ProgramVersion | null = null;
  for (const v of program.versions) {
    if (v.effectiveFrom > time) continue;
    if (!found || v.effectiveFrom > found.effectiveFrom || (v.effectiveFrom === found.effectiveFrom && v.version > found.version)) found = v;
  }
  return found;
}
