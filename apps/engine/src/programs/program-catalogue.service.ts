import { canonicalProgramDocument, canonicalVersionDocument, ProgramDocumentInput, ProgramVersionInput } from '@engine/contracts';
import { lockRuleState, ProgramCatalogueRepository, Queryable, StoredProgram, StoredProgramVersion, storedProgramDocument } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { AdditionPolicy, CatalogueDecision, CatalogueRefusal, decideProgramCreation, decideProgramMerge, decideVersionAddition } from './catalogue-rules';

/** A catalogue change was refused; `refusals` names every program and version concerned. */
export class CatalogueChangeRefused extends Error {
  constructor(readonly refusals: CatalogueRefusal[]) {
    super(refusals.map((r) => r.message).join('; '));
    this.name = 'CatalogueChangeRefused';
  }
}

/** What an import added: the programs created (with all their versions), and the versions added to stored programs. */
export interface MergeReport {
  createdPrograms: string[];
  addedVersions: { programId: string; version: number }[];
}

/**
 * Adds to the program catalogue (CONTRACT §8) by the rules of catalogue-rules.ts, for the API and the import at
 * start. A write runs in one transaction that takes the rule-state lock first, so it is serialised with ingest and
 * every engine instance reloads the catalogue with its rule state; the decision is taken again under the lock. A
 * request that writes nothing (the same body again, or a refusal) is decided without the lock: the catalogue only
 * grows, so neither outcome can change, and a replay does not make the engines drop their in-memory state.
 */
export class ProgramCatalogueService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository = new ProgramCatalogueRepository(),
  ) {}

  list(): Promise<StoredProgram[]> {
    return this.repository.list(this.dataSource);
  }

  get(programId: string): Promise<StoredProgram | null> {
    return this.repository.get(this.dataSource, programId);
  }

  /** POST /v1/programs. Throws CatalogueChangeRefused. */
  async createProgram(input: ProgramDocumentInput, now: number): Promise<{ created: boolean; program: StoredProgram }> {
    const program = canonicalProgramDocument(input);
    const created = await this.write(async (q) => {
      const policy: AdditionPolicy = { now, pastAllowed: false, latestSubmission: await this.repository.latestSubmission(q) };
      const stored = await this.repository.get(q, program.programId);
      return decideProgramCreation(stored && storedProgramDocument(stored), program, policy);
    });
    return { created, program: (await this.get(program.programId))! };
  }

  /** POST /v1/programs/{programId}/versions; null when the program is unknown. Throws CatalogueChangeRefused. */
  async addVersion(programId: string, input: ProgramVersionInput, now: number): Promise<{ created: boolean; version: StoredProgramVersion } | null> {
    const version = canonicalVersionDocument(input);
    let known = true;
    const created = await this.write(async (q) => {
      const policy: AdditionPolicy = { now, pastAllowed: false, latestSubmission: await this.repository.latestSubmission(q) };
      const stored = await this.repository.get(q, programId);
      known = stored !== null;
      return stored ? decideVersionAddition(storedProgramDocument(stored), version, policy) : { kind: 'unchanged' };
    });
    if (!known) return null;
    const stored = (await this.get(programId))!;
    return { created, version: stored.versions.find((v) => v.version === version.version)! };
  }

  /**
   * PROGRAMS_FILE: adds what is new of every program, all or nothing; versions effective before `now` only while the
   * event store is empty. Throws CatalogueChangeRefused naming every conflict.
   */
  async merge(inputs: readonly ProgramDocumentInput[], now: number): Promise<MergeReport> {
    const programs = inputs.map(canonicalProgramDocument);
    const report: MergeReport = { createdPrograms: [], addedVersions: [] };
    await this.writeAll(async (q) => {
      const pastAllowed = !(await this.repository.hasInputEvents(q));
      const policy: AdditionPolicy = { now, pastAllowed, latestSubmission: pastAllowed ? null : await this.repository.latestSubmission(q) };
      const decisions: CatalogueDecision[] = [];
      for (const program of programs) {
        const stored = await this.repository.get(q, program.programId);
        decisions.push(decideProgramMerge(stored && storedProgramDocument(stored), program, policy));
      }
      return decisions;
    }, (decision) => {
      if (decision.kind === 'create-program') report.createdPrograms.push(decision.program.programId);
      if (decision.kind === 'add-versions') report.addedVersions.push(...decision.versions.map((v) => ({ programId: decision.programId, version: v.version })));
    });
    return report;
  }

  /** Decides, and writes what the decision says under the rule-state lock; true when something was written. */
  private async write(decide: (q: Queryable) => Promise<CatalogueDecision>): Promise<boolean> {
    return this.writeAll(async (q) => [await decide(q)]);
  }

  private async writeAll(decide: (q: Queryable) => Promise<CatalogueDecision[]>, onWrite: (decision: CatalogueDecision) => void = () => undefined): Promise<boolean> {
    const check = (decisions: CatalogueDecision[]) => {
      const refusals = decisions.flatMap((d) => (d.kind === 'refused' ? d.refusals : []));
      if (refusals.length > 0) throw new CatalogueChangeRefused(refusals);
      return decisions.some((d) => d.kind !== 'unchanged');
    };
    if (!check(await decide(this.dataSource))) return false; // nothing to write: no lock, no reload anywhere
    return this.dataSource.transaction(async (manager) => {
      await lockRuleState(manager);
      const decisions = await decide(manager);
      if (!check(decisions)) return false; // written meanwhile by another request
      for (const decision of decisions) {
        if (decision.kind === 'create-program') await this.repository.addProgram(manager, decision.program);
        else if (decision.kind === 'add-versions') await this.repository.addVersions(manager, decision.programId, decision.versions);
        onWrite(decision);
      }
      return true;
    });
  }
}
