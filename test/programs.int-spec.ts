import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY_MS, STANDARD_TERMS } from '@engine/domain';
import { openMigratedDataSource, ProgramCatalogueRepository } from '@engine/persistence';
import { EngineHarness } from './support/engine-harness';
import { apiClient } from './support/api-client';

/**
 * The program catalogue (CONTRACT §8) on the running engine and the real database: the API (GET/POST /v1/programs,
 * POST /v1/programs/{id}/versions) and the PROGRAMS_FILE import at start. ENGINE_NOW is 2026-11-01.
 */
const NOW = '2026-11-01T00:00:00Z';
const KEYS = { finance: 'fin-key-programs-01', partner: 'p1-key-programs-001' };
const EXAMPLE = join(__dirname, '..', 'programs', 'example.json');

const terms = (baseRateBps = 1200) => ({
  attributionWindowDays: 90, activationWindowDays: 30, qualificationWindowDays: 90, commissionWindowDays: 365, expiryGraceDays: 7, holdingPeriodDays: 30,
  excludedChannels: ['paid_search_brand', 'coupon_site'], excludedProductPrefixes: ['marketplace.', 'credits.'],
  baseRateBps, upperRateBps: 1500,
  currencies: { USD: { qualificationThreshold: '200.00', bonus: '80.00', tierBoundary: '10000.00', commissionCap: '5000.00' } },
});

const apacLaunch = () => ({
  programId: 'apac-launch', name: 'APAC launch offer', priority: 10,
  scope: { regions: ['ap-southeast-1', 'ap-northeast-1'], partnerGroups: null },
  versions: [{ version: 1, effectiveFrom: '2026-12-01T00:00:00Z', terms: terms() }],
});

async function ruleStateVersion(harness: EngineHarness): Promise<string> {
  return (await harness.query<{ version: string }>('SELECT version::text FROM rule_state_version'))[0].version;
}

describe('program catalogue API', () => {
  let harness: EngineHarness;
  const api = apiClient(() => harness.baseUrl);
  const finance = { key: KEYS.finance };

  beforeAll(async () => {
    harness = await EngineHarness.create({ label: 'programs_api', engineNow: NOW, env: { API_KEYS: `${KEYS.finance}:finance,${KEYS.partner}:partner:P-001` } });
    await harness.start();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('lists the built-in program standard, version 1 with the §3 terms', async () => {
    const response = await api('GET', '/v1/programs', finance);
    expect(response.status).toBe(200);
    expect(response.json.programs).toHaveLength(1);
    const [standard] = response.json.programs;
    expect(standard).toMatchObject({ programId: 'standard', name: 'Standard', priority: 0, scope: { regions: null, partnerGroups: null } });
    expect(standard.versions).toEqual([{
      version: 1, effectiveFrom: '1970-01-01T00:00:00.000Z', createdAt: expect.any(String),
      terms: {
        attributionWindowDays: 90, activationWindowDays: 30, qualificationWindowDays: 90, commissionWindowDays: 365, expiryGraceDays: 7, holdingPeriodDays: 0,
        excludedChannels: ['coupon_site', 'paid_search_brand'], excludedProductPrefixes: ['credits.', 'marketplace.'], baseRateBps: 1000, upperRateBps: 1500,
        currencies: {
          USD: { qualificationThreshold: '100.00', bonus: '50.00', tierBoundary: '10000.00', commissionCap: '5000.00' },
          EUR: { qualificationThreshold: '100.00', bonus: '50.00', tierBoundary: '10000.00', commissionCap: '5000.00' },
          CNY: { qualificationThreshold: '700.00', bonus: '350.00', tierBoundary: '70000.00', commissionCap: '35000.00' },
          JPY: { qualificationThreshold: '15000', bonus: '7500', tierBoundary: '1500000', commissionCap: '750000' },
        },
      },
    }]);
    expect((await api('GET', '/v1/programs/standard', finance)).json).toEqual(standard);
  });

  it('adds a program (201) under the rule-state lock; the same body again is the same (200), without the lock', async () => {
    const before = BigInt(await ruleStateVersion(harness));
    const created = await api('POST', '/v1/programs', { ...finance, body: apacLaunch() });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      programId: 'apac-launch', name: 'APAC launch offer', priority: 10, scope: { regions: ['ap-northeast-1', 'ap-southeast-1'], partnerGroups: null },
      versions: [{ version: 1, effectiveFrom: '2026-12-01T00:00:00.000Z', terms: { baseRateBps: 1200, holdingPeriodDays: 30 } }],
    });
    expect(BigInt(await ruleStateVersion(harness))).toBe(before + 1n);

    const again = apacLaunch();
    again.scope.regions.reverse();
    again.versions[0].effectiveFrom = '2026-12-01T09:00:00+09:00';
    again.versions[0].terms.currencies.USD.bonus = '80';
    const replay = await api('POST', '/v1/programs', { ...finance, body: again });
    expect(replay.status).toBe(200);
    expect(replay.json).toEqual(created.json);
    expect(BigInt(await ruleStateVersion(harness))).toBe(before + 1n);

    expect((await api('GET', '/v1/programs/apac-launch', finance)).json).toEqual(created.json);
    expect((await api('GET', '/v1/programs', finance)).json.programs.map((p: { programId: string }) => p.programId)).toEqual(['apac-launch', 'standard']);
  });

  it('refuses another body under an existing id (409 PROGRAM_CONFLICT)', async () => {
    for (const body of [{ ...apacLaunch(), priority: 11 }, { ...apacLaunch(), scope: null }, { ...apacLaunch(), versions: [{ ...apacLaunch().versions[0], terms: terms(1300) }] }]) {
      const response = await api('POST', '/v1/programs', { ...finance, body });
      expect(response.status).toBe(409);
      expect(response.json).toMatchObject({ code: 'PROGRAM_CONFLICT', programId: 'apac-launch' });
    }
    const standard = await api('POST', '/v1/programs', { ...finance, body: { ...apacLaunch(), programId: 'standard', name: 'Standard', priority: 0, scope: null } });
    expect(standard).toMatchObject({ status: 409, json: { code: 'PROGRAM_CONFLICT', programId: 'standard' } });
  });

  it('refuses a version effective before the engine clock (409 RETROACTIVE_VERSION)', async () => {
    const response = await api('POST', '/v1/programs', {
      ...finance, body: { ...apacLaunch(), programId: 'back-dated', versions: [{ version: 1, effectiveFrom: '2026-10-31T23:59:59Z', terms: terms() }] },
    });
    expect(response.status).toBe(409);
    expect(response.json).toMatchObject({ code: 'RETROACTIVE_VERSION', programId: 'back-dated', versions: [1] });
    expect(response.json.message).toMatch(/2026-10-31T23:59:59.000Z, before the engine clock \(2026-11-01T00:00:00.000Z\)/);
    expect((await api('GET', '/v1/programs/back-dated', finance)).status).toBe(404);
  });

  it('adds versions: new (201), the same (200), another content (409 VERSION_CONFLICT), in the past (409 RETROACTIVE_VERSION)', async () => {
    const v2 = { version: 2, effectiveFrom: '2027-01-01T00:00:00Z', terms: terms(1300) };
    const added = await api('POST', '/v1/programs/apac-launch/versions', { ...finance, body: v2 });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ version: 2, effectiveFrom: '2027-01-01T00:00:00.000Z', terms: { baseRateBps: 1300 }, createdAt: expect.any(String) });
    const same = await api('POST', '/v1/programs/apac-launch/versions', { ...finance, body: v2 });
    expect(same).toMatchObject({ status: 200, json: added.json });
    expect(await api('POST', '/v1/programs/apac-launch/versions', { ...finance, body: { ...v2, terms: terms(1400) } }))
      .toMatchObject({ status: 409, json: { code: 'VERSION_CONFLICT', programId: 'apac-launch', versions: [2] } });
    expect(await api('POST', '/v1/programs/apac-launch/versions', { ...finance, body: { version: 3, effectiveFrom: '2026-06-01T00:00:00Z', retired: true } }))
      .toMatchObject({ status: 409, json: { code: 'RETROACTIVE_VERSION' } });
    const retired = await api('POST', '/v1/programs/apac-launch/versions', { ...finance, body: { version: 3, effectiveFrom: '2027-06-01T00:00:00Z', retired: true } });
    expect(retired).toMatchObject({ status: 201, json: { version: 3, effectiveFrom: '2027-06-01T00:00:00.000Z', retired: true } });
    expect(retired.json.terms).toBeUndefined();
    expect((await api('GET', '/v1/programs/apac-launch', finance)).json.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
  });

  it('lets standard take new versions but never be retired (400 naming retired)', async () => {
    const retire = await api('POST', '/v1/programs/standard/versions', { ...finance, body: { version: 2, effectiveFrom: '2027-01-01T00:00:00Z', retired: true } });
    expect(retire).toMatchObject({ status: 400, json: { code: 'INVALID_INPUT', fields: ['retired'] } });
    const v2 = await api('POST', '/v1/programs/standard/versions', { ...finance, body: { version: 2, effectiveFrom: '2027-01-01T00:00:00Z', terms: terms(900) } });
    expect(v2.status).toBe(201);
  });

  it('answers 404 for an unknown program and 400 for a malformed id', async () => {
    expect(await api('GET', '/v1/programs/nowhere', finance)).toMatchObject({ status: 404, json: { code: 'NOT_FOUND' } });
    expect(await api('POST', '/v1/programs/nowhere/versions', { ...finance, body: { version: 1, effectiveFrom: '2027-01-01T00:00:00Z', retired: true } }))
      .toMatchObject({ status: 404, json: { code: 'NOT_FOUND' } });
    expect(await api('GET', '/v1/programs/Not_An_Id', finance)).toMatchObject({ status: 400, json: { fields: ['programId'] } });
  });

  it('is for finance only (partner key 403, no key 401)', async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', '/v1/programs'], ['GET', '/v1/programs/standard'], ['POST', '/v1/programs', apacLaunch()],
      ['POST', '/v1/programs/apac-launch/versions', { version: 9, effectiveFrom: '2028-01-01T00:00:00Z', retired: true }],
    ];
    for (const [method, path, body] of calls) {
      expect((await api(method, path, { key: KEYS.partner, body })).status).toBe(403);
      expect((await api(method, path, { body })).status).toBe(401);
    }
    expect((await api('GET', '/v1/programs/apac-launch', finance)).json.versions).toHaveLength(3);
  });

  it('answers 400 naming the bad field', async () => {
    const bonus = apacLaunch();
    bonus.versions[0].terms.currencies.USD.bonus = '80.001';
    expect(await api('POST', '/v1/programs', { ...finance, body: { ...bonus, programId: 'bad-bonus' } })).toMatchObject({
      status: 400, json: { code: 'INVALID_INPUT', fields: ['versions.0.terms.currencies.USD.bonus'], message: 'versions.0.terms.currencies.USD.bonus must have at most 2 decimal digits for USD' },
    });
    const gbp = apacLaunch() as any;
    gbp.programId = 'bad-currency';
    gbp.versions[0].terms.currencies.GBP = gbp.versions[0].terms.currencies.USD;
    const currency = await api('POST', '/v1/programs', { ...finance, body: gbp });
    expect(currency.status).toBe(400);
    expect(currency.json.fields).toContain('versions.0.terms.currencies');
    expect(currency.json.message).toMatch(/unsupported currency "GBP"/);
    expect(await api('POST', '/v1/programs/apac-launch/versions', { ...finance, body: { version: 4, effectiveFrom: '2027-06-01', retired: true } }))
      .toMatchObject({ status: 400, json: { fields: ['effectiveFrom'] } });
    expect(await api('POST', '/v1/programs/apac-launch/versions', { ...finance, body: { version: 4, effectiveFrom: '2028-01-01T00:00:00Z', terms: { ...terms(), attributionWindowDays: 0 } } }))
      .toMatchObject({ status: 400, json: { fields: ['terms.attributionWindowDays'] } });
    expect(await api('POST', '/v1/programs', { ...finance, body: { ...apacLaunch(), programId: 'APAC' } })).toMatchObject({ status: 400, json: { fields: ['programId'] } });
  });

  it('loads the domain catalogue the rules bind with', async () => {
    const dataSource = await openMigratedDataSource(harness.config, 1);
    try {
      const { programs } = await new ProgramCatalogueRepository().load(dataSource);
      expect(programs.map((p) => p.programId)).toEqual(['apac-launch', 'standard']);
      const [apac, standard] = programs;
      expect(apac).toMatchObject({ priority: 10, regions: ['ap-northeast-1', 'ap-southeast-1'], partnerGroups: null });
      expect(apac.versions.map((v) => [v.version, v.effectiveFrom, v.terms?.baseRateBps ?? null])).toEqual([
        [1, Date.parse('2026-12-01T00:00:00Z'), 1200n], [2, Date.parse('2027-01-01T00:00:00Z'), 1300n], [3, Date.parse('2027-06-01T00:00:00Z'), null],
      ]);
      expect(apac.versions[0].terms).toMatchObject({ holdingPeriodMs: 30 * DAY_MS, currencies: { USD: { qualificationThreshold: 20000n, bonus: 8000n } } });
      expect(standard.versions[0]).toEqual({ version: 1, effectiveFrom: 0, terms: { ...STANDARD_TERMS, excludedProductPrefixes: ['credits.', 'marketplace.'] } });
    } finally {
      await dataSource.destroy();
    }
  });

  it('keeps programs and versions append-only in the database', async () => {
    await expect(harness.query(`UPDATE program_version SET effective_from = now() WHERE program_id = 'apac-launch'`)).rejects.toThrow(/append-only/);
    await expect(harness.query(`DELETE FROM program WHERE program_id = 'apac-launch'`)).rejects.toThrow(/append-only/);
  });
});

describe('PROGRAMS_FILE import at start', () => {
  let harness: EngineHarness;
  const api = apiClient(() => harness.baseUrl);
  const finance = { key: KEYS.finance };
  const dir = mkdtempSync(join(tmpdir(), 'programs-'));
  const file = join(dir, 'programs.json');
  const example = () => JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { programs: any[] };
  const write = (programs: unknown[]) => writeFileSync(file, JSON.stringify({ programs }));

  beforeAll(async () => {
    writeFileSync(file, readFileSync(EXAMPLE));
    harness = await EngineHarness.create({ label: 'programs_file', engineNow: NOW, env: { API_KEYS: `${KEYS.finance}:finance`, PROGRAMS_FILE: file } });
  });

  afterAll(async () => {
    await harness?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function restart(): Promise<void> {
    await harness.stop();
    await harness.start();
  }

  it('imports programs/example.json into a new deployment, past effective dates included', async () => {
    await harness.start();
    const { programs } = (await api('GET', '/v1/programs', finance)).json;
    expect(programs.map((p: { programId: string }) => p.programId)).toEqual(['gold-partners', 'apac-launch', 'emea-growth', 'standard']);
    expect(programs.find((p: { programId: string }) => p.programId === 'standard').versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(programs.find((p: { programId: string }) => p.programId === 'apac-launch').versions[1]).toMatchObject({ version: 2, retired: true });
  });

  it('imports the same file again as nothing new', async () => {
    const listed = (await api('GET', '/v1/programs', finance)).json;
    await restart();
    expect((await api('GET', '/v1/programs', finance)).json).toEqual(listed); // creation times included
  });

  it('stops the start on a version stored with other content, a changed scope or a bad field, naming them', async () => {
    await harness.stop();
    const changed = example();
    changed.programs.find((p) => p.programId === 'apac-launch').versions[0].terms.baseRateBps = 1300;
    changed.programs.find((p) => p.programId === 'emea-growth').scope.regions.push('eu-south-1');
    write(changed.programs);
    const refusal = harness.start();
    await expect(refusal).rejects.toThrow(/^PROGRAMS_FILE .*programs\.json: /);
    await expect(refusal).rejects.toThrow(/version 1 of program apac-launch exists with other content/);
    await expect(refusal).rejects.toThrow(/program emea-growth exists with another scope/);

    const bad = example();
    expect(bad.programs[3].programId).toBe('emea-growth');
    bad.programs[3].versions[0].terms.currencies.EUR.bonus = '60.555';
    bad.programs[3].versions[0].terms.currencies.GBP = bad.programs[3].versions[0].terms.currencies.USD;
    write(bad.programs);
    const invalid = harness.start();
    await expect(invalid).rejects.toThrow(/^PROGRAMS_FILE .*programs\.json: program "emea-growth" \(programs\.3\): versions\.0\.terms\.currencies has an unsupported currency "GBP"/);
    write([{ ...bad.programs[3], versions: [{ ...bad.programs[3].versions[0], terms: { ...bad.programs[3].versions[0].terms, currencies: { EUR: bad.programs[3].versions[0].terms.currencies.EUR } } }] }]);
    await expect(harness.start()).rejects.toThrow('program "emea-growth" (programs.0): versions.0.terms.currencies.EUR.bonus must have at most 2 decimal digits for EUR');

    writeFileSync(file, '{"programs": [');
    await expect(harness.start()).rejects.toThrow(/PROGRAMS_FILE .*programs\.json: is not JSON/);
  });

  it('once the event store holds an event, refuses a new past version but adds a future one', async () => {
    await harness.query(
      `INSERT INTO input_event (source, event_id, payload_hash, type, time_ms, customer_id, topic, kafka_partition, kafka_offset)
       VALUES ('accounts', 'evt-1', 'h', 'customer.activated', $1, 'C-1', 'customer.lifecycle.v1', 0, 0)`,
      [Date.parse('2026-10-01T00:00:00Z')],
    );
    const past = { programId: 'winter-promo', name: 'Winter promotion', priority: 5, versions: [{ version: 1, effectiveFrom: '2026-10-15T00:00:00Z', terms: terms() }] };
    write([...example().programs, past]);
    await expect(harness.start()).rejects.toThrow(/version 1 of program winter-promo would take effect at 2026-10-15T00:00:00.000Z, before the engine clock/);

    write([...example().programs, { ...past, versions: [{ ...past.versions[0], effectiveFrom: '2026-12-15T00:00:00Z' }] }]);
    await harness.start();
    const promo = await api('GET', '/v1/programs/winter-promo', finance);
    expect(promo).toMatchObject({ status: 200, json: { priority: 5, scope: { regions: null, partnerGroups: null }, versions: [{ version: 1, effectiveFrom: '2026-12-15T00:00:00.000Z' }] } });
  });
});
