import { canonicalJson, isRetiredVersion, parseRfc3339, ProgramDocument, ProgramVersionDocument, sameProgramDocument, sameVersionDocument } from '@engine/contracts';
import { isoTimestamp, STANDARD_PROGRAM_ID } from '@engine/domain';

/**
 * The rules of adding to the program catalogue (CONTRACT §8), as pure decisions over canonical documents: what is
 * stored, what is asked for, the engine clock. "The past never changes": programs and versions are only added, a
 * program's name, priority and scope are fixed when it is created, a version number means one content forever, and a
 * version may not take effect before the clock at the time it is added (except while importing the history of a new
 * deployment, see AdditionPolicy.pastAllowed). `standard` cannot be retired. Documents are canonical
 * (canonicalProgramDocument, storedProgramDocument).
 */

export enum CatalogueRefusalCode {
  /** another body under an existing programId (name, priority, scope or, for POST /v1/programs, versions) */
  PROGRAM_CONFLICT = 'PROGRAM_CONFLICT',
  /** an existing version number with other content */
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  /** a new version effective before the engine clock */
  RETROACTIVE_VERSION = 'RETROACTIVE_VERSION',
  /** a retired version of `standard` */
  STANDARD_NOT_RETIRABLE = 'STANDARD_NOT_RETIRABLE',
}

export interface CatalogueRefusal {
  code: CatalogueRefusalCode;
  programId: string;
  /** the version concerned, for the version codes */
  version?: number;
  /** a sentence naming the program (and version) */
  message: string;
}

export interface AdditionPolicy {
  /** the engine clock, epoch ms */
  now: number;
  /** whether a new version may take effect before `now`: only while importing into a deployment whose event store is empty */
  pastAllowed: boolean;
  /**
   * the time of the latest stored submission, or null: a submission dated after the clock (upstream sends them) already
   * happened for the rules, so a version may not take effect at or before it either
   */
  latestSubmission?: number | null;
}

export type CatalogueDecision =
  /** nothing to write: everything asked for is stored already, with the same content */
  | { kind: 'unchanged' }
  /** a new program, with all its versions */
  | { kind: 'create-program'; program: ProgramDocument }
  /** new versions of an existing program */
  | { kind: 'add-versions'; programId: string; versions: ProgramVersionDocument[] }
  | { kind: 'refused'; refusals: CatalogueRefusal[] };

/** Why a version that is not stored yet may not be added, or null when it may. */
export function refuseNewVersion(programId: string, version: ProgramVersionDocument, policy: AdditionPolicy): CatalogueRefusal | null {
  if (programId === STANDARD_PROGRAM_ID && isRetiredVersion(version)) {
    return { code: CatalogueRefusalCode.STANDARD_NOT_RETIRABLE, programId, version: version.version, message: `program ${STANDARD_PROGRAM_ID} cannot be retired (version ${version.version})` };
  }
  const effectiveFrom = parseRfc3339(version.effectiveFrom);
  if (effectiveFrom === null) throw new RangeError(`effectiveFrom ${JSON.stringify(version.effectiveFrom)} is not an RFC 3339 timestamp`);
  if (policy.pastAllowed) return null;
  if (effectiveFrom < policy.now) {
    return {
      code: CatalogueRefusalCode.RETROACTIVE_VERSION, programId, version: version.version,
      message: `version ${version.version} of program ${programId} would take effect at ${isoTimestamp(effectiveFrom)}, before the engine clock (${isoTimestamp(policy.now)}): the past never changes`,
    };
  }
  const latest = policy.latestSubmission ?? null;
  if (latest !== null && effectiveFrom <= latest) {
    return {
      code: CatalogueRefusalCode.RETROACTIVE_VERSION, programId, version: version.version,
      message: `version ${version.version} of program ${programId} would take effect at ${isoTimestamp(effectiveFrom)}, at or before a submission already received (dated ${isoTimestamp(latest)}): its binding would change`,
    };
  }
  return null;
}

/** Which of the fields fixed at creation differ between a stored program and a document of the same id. */
export function changedHeaderFields(stored: ProgramDocument, program: ProgramDocument): ('name' | 'priority' | 'scope')[] {
  const fields: ('name' | 'priority' | 'scope')[] = [];
  if (stored.name !== program.name) fields.push('name');
  if (stored.priority !== program.priority) fields.push('priority');
  if (canonicalJson(stored.scope) !== canonicalJson(program.scope)) fields.push('scope');
  return fields;
}

function headerConflict(programId: string, fields: string[]): CatalogueRefusal {
  return {
    code: CatalogueRefusalCode.PROGRAM_CONFLICT, programId,
    message: `program ${programId} exists with another ${fields.join(', ')} (a program's name, priority and scope are fixed when it is created)`,
  };
}

function decided(refusals: CatalogueRefusal[], otherwise: CatalogueDecision): CatalogueDecision {
  return refusals.length > 0 ? { kind: 'refused', refusals } : otherwise;
}

/** A new program: every version must be one that may be added. */
function createProgram(program: ProgramDocument, policy: AdditionPolicy): CatalogueDecision {
  const refusals = program.versions.map((v) => refuseNewVersion(program.programId, v, policy)).filter((r): r is CatalogueRefusal => r !== null);
  return decided(refusals, { kind: 'create-program', program });
}

/** `versions` against the stored program: the same content is nothing to do, other content a conflict, a new number an addition. */
function mergeVersions(stored: ProgramDocument, versions: readonly ProgramVersionDocument[], policy: AdditionPolicy): CatalogueDecision {
  const refusals: CatalogueRefusal[] = [];
  const added: ProgramVersionDocument[] = [];
  const { programId } = stored;
  for (const version of versions) {
    const existing = stored.versions.find((v) => v.version === version.version);
    if (existing) {
      if (!sameVersionDocument(existing, version)) {
        refusals.push({
          code: CatalogueRefusalCode.VERSION_CONFLICT, programId, version: version.version,
          message: `version ${version.version} of program ${programId} exists with other content (versions are immutable: add a new version number)`,
        });
      }
      continue;
    }
    const refusal = refuseNewVersion(programId, version, policy);
    if (refusal) refusals.push(refusal);
    else added.push(version);
  }
  return decided(refusals, added.length === 0 ? { kind: 'unchanged' } : { kind: 'add-versions', programId, versions: added });
}

/**
 * POST /v1/programs: a new id creates the program with its versions; the same body again is nothing to do; any
 * other body under an existing id (name, priority, scope, or other versions) is a PROGRAM_CONFLICT.
 */
export function decideProgramCreation(stored: ProgramDocument | null, program: ProgramDocument, policy: AdditionPolicy): CatalogueDecision {
  if (stored === null) return createProgram(program, policy);
  if (sameProgramDocument(stored, program)) return { kind: 'unchanged' };
  const fields = changedHeaderFields(stored, program);
  if (fields.length > 0) return { kind: 'refused', refusals: [headerConflict(program.programId, fields)] };
  return {
    kind: 'refused',
    refusals: [{
      code: CatalogueRefusalCode.PROGRAM_CONFLICT, programId: program.programId,
      message: `program ${program.programId} exists with other versions (new versions go to POST /v1/programs/${program.programId}/versions)`,
    }],
  };
}

/** POST /v1/programs/{programId}/versions: one version of a stored program. */
export function decideVersionAddition(stored: ProgramDocument, version: ProgramVersionDocument, policy: AdditionPolicy): CatalogueDecision {
  return mergeVersions(stored, [version], policy);
}

/**
 * PROGRAMS_FILE at start: what is new is added (a program with its versions, or new versions of a stored program);
 * a stored program under another name, priority or scope, or a stored version with other content, is refused.
 */
export function decideProgramMerge(stored: ProgramDocument | null, program: ProgramDocument, policy: AdditionPolicy): CatalogueDecision {
  if (stored === null) return createProgram(program, policy);
  const fields = changedHeaderFields(stored, program);
  if (fields.length > 0) return { kind: 'refused', refusals: [headerConflict(program.programId, fields)] };
  return mergeVersions(stored, program.versions, policy);
}
