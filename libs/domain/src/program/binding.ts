import { Catalogue, STANDARD_PROGRAM_ID, versionAt } from './catalogue';
import { ProgramTerms } from './terms';

/** Why a program that came before the bound one in binding order did not take the submission. */
export type PassedOverReason = 'REGION_NOT_IN_SCOPE' | 'GROUP_NOT_IN_SCOPE' | 'NO_VERSION_YET' | 'RETIRED';

export interface PassedOver {
  programId: string;
  priority: number;
  reason: PassedOverReason;
  /** the retired version, for RETIRED */
  version?: number;
}

/** The program version a submission is bound to (CONTRACT §8, "Binding"), and the programs passed over on the way. */
export interface Binding {
  programId: string;
  version: number;
  effectiveFrom: number;
  priority: number;
  terms: ProgramTerms;
  passedOver: PassedOver[];
}

/**
 * Binds a submission made at `time` for a prospect in `region` (null: none given) by a partner in `group`: the first
 * program in binding order whose scope matches and that has a version in force gives that version, unless it is
 * retired. `standard` always matches and cannot be retired, so every submission binds.
 */
export function bindSubmission(catalogue: Catalogue, region: string | null, group: string, time: number): Binding {
  const passedOver: PassedOver[] = [];
  for (const program of catalogue.programs) {
    const { programId, priority } = program;
    if (program.regions !== null && (region === null || !program.regions.includes(region))) {
      passedOver.push({ programId, priority, reason: 'REGION_NOT_IN_SCOPE' });
      continue;
    }
    if (program.partnerGroups !== null && !program.partnerGroups.includes(group)) {
      passedOver.push({ programId, priority, reason: 'GROUP_NOT_IN_SCOPE' });
      continue;
    }
    const version = versionAt(program, time);
    if (!version) {
      passedOver.push({ programId, priority, reason: 'NO_VERSION_YET' });
      continue;
    }
    if (!version.terms) {
      passedOver.push({ programId, priority, reason: 'RETIRED', version: version.version });
      continue;
    }
    return { programId, version: version.version, effectiveFrom: version.effectiveFrom, priority, terms: version.terms, passedOver };
  }
  throw new Error(`no program binds a submission at ${new Date(time).toISOString()}: the catalogue lacks ${STANDARD_PROGRAM_ID} version 1`);
}
