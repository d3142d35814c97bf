import { canonicalProgramDocument, ProgramDocument, programToDocument, ProgramVersionDocument } from '@engine/contracts';
import { STANDARD_PROGRAM } from '@engine/domain';
import { CatalogueRefusalCode, decideProgramCreation, decideProgramMerge, decideVersionAddition } from './catalogue-rules';

const NOW = Date.parse('2026-11-01T00:00:00Z');
const AT_NOW = { now: NOW, pastAllowed: false };
const HISTORY = { now: NOW, pastAllowed: true };

const terms = programToDocument(STANDARD_PROGRAM).versions[0] as Extract<ProgramVersionDocument, { terms: unknown }>;
const version = (n: number, effectiveFrom: string, baseRateBps = 1000): ProgramVersionDocument => ({ version: n, effectiveFrom, terms: { ...terms.terms, baseRateBps } });
const program = (versions: ProgramVersionDocument[], header: Partial<ProgramDocument> = {}): ProgramDocument =>
  canonicalProgramDocument({ programId: 'emea-q1', name: 'EMEA Q1', priority: 10, scope: { regions: ['eu-west-1'], partnerGroups: null }, versions, ...header });
const standard = programToDocument(STANDARD_PROGRAM);

describe('catalogue rules (CONTRACT §8)', () => {
  describe('a new program (POST /v1/programs)', () => {
    it('is created with its versions', () => {
      const p = program([version(1, '2026-12-01T00:00:00Z')]);
      expect(decideProgramCreation(null, p, AT_NOW)).toEqual({ kind: 'create-program', program: p });
    });

    it('effective exactly at the clock is not retroactive; a millisecond earlier is', () => {
      expect(decideProgramCreation(null, program([version(1, '2026-11-01T00:00:00Z')]), AT_NOW).kind).toBe('create-program');
      const refused = decideProgramCreation(null, program([version(1, '2026-10-31T23:59:59.999Z'), version(2, '2026-01-01T00:00:00Z'), version(3, '2027-01-01T00:00:00Z')]), AT_NOW);
      expect(refused).toMatchObject({ kind: 'refused', refusals: [
        { code: CatalogueRefusalCode.RETROACTIVE_VERSION, programId: 'emea-q1', version: 1 },
        { code: CatalogueRefusalCode.RETROACTIVE_VERSION, programId: 'emea-q1', version: 2 },
      ] });
      expect(refused.kind === 'refused' && refused.refusals[0].message).toMatch(/version 1 of program emea-q1 would take effect at 2026-10-31T23:59:59.999Z, before the engine clock \(2026-11-01T00:00:00.000Z\)/);
    });

    it('the same body again is nothing to do; another body is a PROGRAM_CONFLICT naming what differs', () => {
      const stored = program([version(1, '2026-12-01T00:00:00Z')]);
      expect(decideProgramCreation(stored, program([version(1, '2026-12-01T01:00:00+01:00')]), AT_NOW)).toEqual({ kind: 'unchanged' });
      const renamed = decideProgramCreation(stored, program([version(1, '2026-12-01T00:00:00Z')], { name: 'EMEA', priority: 11 }), AT_NOW);
      expect(renamed).toMatchObject({ kind: 'refused', refusals: [{ code: CatalogueRefusalCode.PROGRAM_CONFLICT, programId: 'emea-q1' }] });
      expect(renamed.kind === 'refused' && renamed.refusals[0].message).toMatch(/another name, priority/);
      expect(decideProgramCreation(stored, program([version(1, '2026-12-01T00:00:00Z'), version(2, '2027-01-01T00:00:00Z')]), AT_NOW))
        .toMatchObject({ kind: 'refused', refusals: [{ code: CatalogueRefusalCode.PROGRAM_CONFLICT }] });
    });

    it('a same body whose versions are now in the past is still the same (a replay is not an addition)', () => {
      const stored = program([version(1, '2026-01-01T00:00:00Z')]);
      expect(decideProgramCreation(stored, stored, AT_NOW)).toEqual({ kind: 'unchanged' });
    });
  });

  describe('a version (POST /v1/programs/{id}/versions)', () => {
    const stored = program([version(1, '2026-12-01T00:00:00Z')]);

    it('is added, or is the same, or conflicts by number', () => {
      const v2 = version(2, '2027-01-01T00:00:00.000Z');
      expect(decideVersionAddition(stored, v2, AT_NOW)).toEqual({ kind: 'add-versions', programId: 'emea-q1', versions: [v2] });
      expect(decideVersionAddition(stored, stored.versions[0], AT_NOW)).toEqual({ kind: 'unchanged' });
      expect(decideVersionAddition(stored, version(1, '2026-12-01T00:00:00Z', 1200), AT_NOW))
        .toMatchObject({ kind: 'refused', refusals: [{ code: CatalogueRefusalCode.VERSION_CONFLICT, programId: 'emea-q1', version: 1 }] });
    });

    it('may not take effect before the clock', () => {
      expect(decideVersionAddition(stored, version(2, '2026-10-01T00:00:00Z'), AT_NOW))
        .toMatchObject({ kind: 'refused', refusals: [{ code: CatalogueRefusalCode.RETROACTIVE_VERSION, version: 2 }] });
    });

    it('may not take effect at or before a submission already received, even one dated after the clock', () => {
      const received = { ...AT_NOW, latestSubmission: Date.parse('2026-11-10T00:00:00Z') };
      const refused = decideVersionAddition(stored, version(2, '2026-11-10T00:00:00Z'), received);
      expect(refused).toMatchObject({ kind: 'refused', refusals: [{ code: CatalogueRefusalCode.RETROACTIVE_VERSION, version: 2 }] });
      expect(refused.kind === 'refused' && refused.refusals[0].message).toMatch(/at or before a submission already received \(dated 2026-11-10T00:00:00.000Z\): its binding would change/);
      expect(decideVersionAddition(stored, version(2, '2026-11-10T00:00:00.001Z'), received).kind).toBe('add-versions');
    });

    it('standard takes new versions but cannot be retired', () => {
      expect(decideVersionAddition(standard, version(2, '2027-01-01T00:00:00Z', 1100), AT_NOW).kind).toBe('add-versions');
      expect(decideVersionAddition(standard, { version: 2, effectiveFrom: '2027-01-01T00:00:00Z', retired: true }, AT_NOW))
        .toMatchObject({ kind: 'refused', refusals: [{ code: CatalogueRefusalCode.STANDARD_NOT_RETIRABLE, programId: 'standard', version: 2 }] });
      expect(decideVersionAddition(stored, { version: 2, effectiveFrom: '2027-01-01T00:00:00Z', retired: true }, AT_NOW).kind).toBe('add-versions');
    });
  });

  describe('the programs file at start', () => {
    const stored = program([version(1, '2026-12-01T00:00:00Z')]);

    it('adds what is new and leaves what is stored', () => {
      const v2 = version(2, '2027-01-01T00:00:00.000Z');
      expect(decideProgramMerge(stored, program([stored.versions[0], v2]), AT_NOW)).toEqual({ kind: 'add-versions', programId: 'emea-q1', versions: [v2] });
      expect(decideProgramMerge(stored, program([v2]), AT_NOW)).toEqual({ kind: 'add-versions', programId: 'emea-q1', versions: [v2] });
      expect(decideProgramMerge(stored, stored, AT_NOW)).toEqual({ kind: 'unchanged' });
      expect(decideProgramMerge(null, stored, AT_NOW)).toEqual({ kind: 'create-program', program: stored });
    });

    it('refuses another scope, a changed version and a retired standard, naming each', () => {
      expect(decideProgramMerge(stored, program(stored.versions, { scope: { regions: null, partnerGroups: null } }), AT_NOW))
        .toMatchObject({ kind: 'refused', refusals: [{ code: CatalogueRefusalCode.PROGRAM_CONFLICT, message: expect.stringMatching(/another scope/) }] });
      expect(decideProgramMerge(stored, program([version(1, '2026-12-02T00:00:00Z'), version(2, '2026-01-01T00:00:00Z')]), AT_NOW)).toMatchObject({ kind: 'refused', refusals: [
        { code: CatalogueRefusalCode.VERSION_CONFLICT, version: 1, message: expect.stringMatching(/version 1 of program emea-q1 exists with other content/) },
        { code: CatalogueRefusalCode.RETROACTIVE_VERSION, version: 2 },
      ] });
      expect(decideProgramMerge(standard, { ...standard, versions: [{ version: 2, effectiveFrom: '2027-01-01T00:00:00.000Z', retired: true }] }, HISTORY))
        .toMatchObject({ kind: 'refused', refusals: [{ code: CatalogueRefusalCode.STANDARD_NOT_RETIRABLE }] });
    });

    it('takes past versions only while the history is being imported', () => {
      const past = program([version(1, '2025-01-01T00:00:00Z')], { programId: 'launch-2025' });
      expect(decideProgramMerge(null, past, HISTORY).kind).toBe('create-program');
      expect(decideProgramMerge(null, past, AT_NOW)).toMatchObject({ kind: 'refused', refusals: [{ code: CatalogueRefusalCode.RETROACTIVE_VERSION, programId: 'launch-2025' }] });
    });
  });
});
