import {
  canonicalTermsDocument, parseRfc3339, ProgramDocument, programFromDocument, ProgramTermsDocument, ProgramVersionDocument, ProgramVersionInput,
} from '@engine/contracts';
import { Catalogue, catalogueOf, isoTimestamp } from '@engine/domain';
import { Queryable } from '../queryable';

/** A version as stored: its document (canonical) and when it was added. */
export interface StoredProgramVersion {
  version: number;
  /** epoch ms */
  effectiveFrom: number;
  /** null: retired */
  terms: ProgramTermsDocument | null;
  createdAt: Date;
}

/** A program as stored, with its versions in version order. */
export interface StoredProgram {
  programId: string;
  name: string;
  priority: number;
  regions: string[] | null;
  partnerGroups: string[] | null;
  createdAt: Date;
  versions: StoredProgramVersion[];
}

/** The document of a stored version (CONTRACT §8 format, canonical). */
export function storedVersionDocument(version: StoredProgramVersion): ProgramVersionDocument {
  const effectiveFrom = isoTimestamp(version.effectiveFrom);
  return version.terms === null ? { version: version.version, effectiveFrom, retired: true } : { version: version.version, effectiveFrom, terms: version.terms };
}

/** The document of a stored program (CONTRACT §8 format, canonical), without the creation times. */
export function storedProgramDocument(program: StoredProgram): ProgramDocument {
  return {
    programId: program.programId,
    name: program.name,
    priority: program.priority,
    scope: { regions: program.regions, partnerGroups: program.partnerGroups },
    versions: program.versions.map(storedVersionDocument),
  };
}

interface ProgramRow {
  program_id: string;
  name: string;
  priority: number;
  regions: string[] | null;
  partner_groups: string[] | null;
  created_at: Date;
}

interface VersionRow {
  program_id: string;
  version: number;
  effective_from_ms: string;
  terms: ProgramTermsDocument | null;
  created_at: Date;
}

const PROGRAM_COLUMNS = 'program_id, name, priority, regions, partner_groups, created_at';
const VERSION_COLUMNS = `program_id, version, (extract(epoch FROM effective_from) * 1000)::int8::text AS effective_from_ms, terms, created_at`;

const sortedOrNull = (values: readonly string[] | null | undefined) => (values ? [...values].sort() : null);

/**
 * The program catalogue (tables `program`, `program_version`; CONTRACT §8). Programs and versions are only ever
 * added, and adding must run in a transaction that took the rule-state lock first (`lockRuleState`): that
 * serialises it with ingest and tells every engine instance to reload the catalogue with its rule state. The rules of
 * adding (same body, conflicts, retroactive versions) are the caller's; this class reads and inserts.
 */
export class ProgramCatalogueRepository {
  /** The domain catalogue, in binding order (descending priority, then programId). */
  async load(q: Queryable): Promise<Catalogue> {
    return catalogueOf((await this.list(q)).map((program) => programFromDocument(storedProgramDocument(program))));
  }

  /** Every program with its versions, in binding order. */
  async list(q: Queryable): Promise<StoredProgram[]> {
    const programs: ProgramRow[] = await q.query(`SELECT ${PROGRAM_COLUMNS} FROM program ORDER BY priority DESC, program_id COLLATE "C"`);
    const versions: VersionRow[] = await q.query(`SELECT ${VERSION_COLUMNS} FROM program_version ORDER BY program_id, version`);
    return assemble(programs, versions);
  }

  /** One program with its versions, or null. */
  async get(q: Queryable, programId: string): Promise<StoredProgram | null> {
    const programs: ProgramRow[] = await q.query(`SELECT ${PROGRAM_COLUMNS} FROM program WHERE program_id = $1`, [programId]);
    if (programs.length === 0) return null;
    const versions: VersionRow[] = await q.query(`SELECT ${VERSION_COLUMNS} FROM program_version WHERE program_id = $1 ORDER BY version`, [programId]);
    return assemble(programs, versions)[0];
  }

  /** Inserts a new program and its versions (a validated document). Under the rule-state lock. */
  async addProgram(q: Queryable, program: ProgramDocument): Promise<void> {
    await q.query(`INSERT INTO program (program_id, name, priority, regions, partner_groups) VALUES ($1, $2, $3, $4::text[], $5::text[])`, [
      program.programId, program.name, program.priority, sortedOrNull(program.scope.regions), sortedOrNull(program.scope.partnerGroups),
    ]);
    await this.addVersions(q, program.programId, program.versions);
  }

  /** Inserts new versions of an existing program (validated documents). Under the rule-state lock. */
  async addVersions(q: Queryable, programId: string, versions: readonly ProgramVersionInput[]): Promise<void> {
    if (versions.length === 0) return;
    const rows = versions.map((v) => {
      const effectiveFrom = parseRfc3339(v.effectiveFrom);
      if (effectiveFrom === null) throw new RangeError(`effectiveFrom ${JSON.stringify(v.effectiveFrom)} of version ${v.version} is not an RFC 3339 timestamp`);
      const retired = v.retired === true;
      return { version: v.version, effective_from: isoTimestamp(effectiveFrom), retired, terms: retired || !v.terms ? null : canonicalTermsDocument(v.terms) };
    });
    await q.query(
      `INSERT INTO program_version (program_id, version, effective_from, retired, terms)
       SELECT $1, r.version, r.effective_from, r.retired, r.terms
         FROM jsonb_to_recordset($2::jsonb) AS r (version integer, effective_from timestamptz, retired boolean, terms jsonb)`,
      [programId, JSON.stringify(rows)],
    );
  }

  /** Whether the event store holds any event (past effective dates are imported only into a new deployment, §8). */
  /** The time of the latest stored submission (epoch ms), or null when none is stored. */
  async latestSubmission(q: Queryable): Promise<number | null> {
    const rows: { latest: string | null }[] = await q.query(`SELECT max(time_ms)::text AS latest FROM input_event WHERE type = 'referral.submitted'`);
    return rows[0].latest === null ? null : Number(rows[0].latest);
  }

  async hasInputEvents(q: Queryable): Promise<boolean> {
    const rows: { any: boolean }[] = await q.query(`SELECT EXISTS (SELECT 1 FROM input_event) AS any`);
    return rows[0].any;
  }
}

function assemble(programs: ProgramRow[], versions: VersionRow[]): StoredProgram[] {
  const byProgram = new Map<string, StoredProgramVersion[]>();
  for (const row of versions) {
    let list = byProgram.get(row.program_id);
    if (!list) byProgram.set(row.program_id, (list = []));
    list.push({ version: row.version, effectiveFrom: Number(row.effective_from_ms), terms: row.terms, createdAt: row.created_at });
  }
  return programs.map((row) => ({
    programId: row.program_id,
    name: row.name,
    priority: row.priority,
    regions: row.regions,
    partnerGroups: row.partner_groups,
    createdAt: row.created_at,
    versions: byProgram.get(row.program_id) ?? [],
  }));
}
