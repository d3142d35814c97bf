import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(config.parseWorkers).toBe(1);
    expect(config.workingSetMaxEntries).toBe(20_000);
    expect(config.consumerMaxBytes).toBe(1024 * 1024);
    expect(config.ingestMaxAttempts).toBe(3);
    expect(config.heapSoftLimitMb).toBe(90);
    expect(config.heapGrowingPercent).toBe(100);
    expect(config.statisticsIntervalMs).toBe(2000);
    expect(config.topics.referrals).toBe('partner.referrals.v1');
    expect(config.programsFile).toBeNull();
    expect(config.partnerEnrollment).toBe('open');
  });

  it('defaults to CONTRACT §1\'s single URL for both; a DATABASE_URL given alone is both; two URLs split the roles', () => {
    expect(loadConfig({})).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/commissions',
      migrationDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/commissions',
    });
    expect(loadConfig({ DATABASE_URL: 'postgres://postgres@db:5432/c1' })).toMatchObject({
      databaseUrl: 'postgres://postgres@db:5432/c1', migrationDatabaseUrl: 'postgres://postgres@db:5432/c1',
    });
    expect(loadConfig({ DATABASE_URL: 'postgres://app:pw@db/c1', MIGRATION_DATABASE_URL: 'postgres://owner:pw@db-direct/c1' })).toMatchObject({
      databaseUrl: 'postgres://app:pw@db/c1', migrationDatabaseUrl: 'postgres://owner:pw@db-direct/c1',
    });
    expect(() => loadConfig({ MIGRATION_DATABASE_URL: 'mysql://owner@db/c1' })).toThrow(/MIGRATION_DATABASE_URL must be postgres:/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://app@db/c1', MIGRATION_DATABASE_URL: 'postgres://owner@db/c2' })).toThrow(/must name the same database \(c2 ≠ c1\)/);
  });

  it('reads the programs file and the partner enrollment', () => {
    const config = loadConfig({ PROGRAMS_FILE: 'programs/example.json', PARTNER_ENROLLMENT: 'approval' });
    expect(config.programsFile).toBe('programs/example.json');
    expect(config.partnerEnrollment).toBe('approval');
    expect(() => loadConfig({ PARTNER_ENROLLMENT: 'closed' })).toThrow(/PARTNER_ENROLLMENT must be open or approval/);
  });

  it('reads the optional METRICS_TOKEN (16 printable characters or more) without echoing it', () => {
    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' }).metricsToken).toBe('scrape-token-0123456789');
    for (const token of ['short-token', 'has a space in it 0123']) {
      expect(() => loadConfig({ METRICS_TOKEN: token })).toThrow(/METRICS_TOKEN must be at least 16 printable ASCII characters/);
      expect(() => loadConfig({ METRICS_TOKEN: token })).not.toThrow(token);
    }
  });

  it('reads integers and the topic prefix', () => {
    const config = loadConfig({ HEAP_SOFT_LIMIT_MB: '160', HEAP_GROWING_PERCENT: '0', WORKING_SET_MAX_ENTRIES: '30000', INGEST_MAX_ATTEMPTS: '1', KAFKA_TOPIC_PREFIX: 'staging.' });
    expect(config.ingestMaxAttempts).toBe(1);
    expect(config.heapSoftLimitMb).toBe(160);
    expect(config.heapGrowingPercent).toBe(0);
    expect(config.workingSetMaxEntries).toBe(30_000);
    expect(config.topics.referrals).toBe('staging.partner.referrals.v1');
  });

  it('names every invalid variable', () => {
    const bad = { HEAP_SOFT_LIMIT_MB: '-1', PARSE_WORKERS: 'many', HEAP_GROWING_PERCENT: '1000', INGEST_MAX_ATTEMPTS: '0' };
    expect(() => loadConfig(bad)).toThrow(ConfigError);
    try {
      loadConfig(bad);
    } catch (error) {
      expect((error as Error).message).toMatch(/HEAP_SOFT_LIMIT_MB/);
      expect((error as Error).message).toMatch(/PARSE_WORKERS/);
      expect((error as Error).message).toMatch(/HEAP_GROWING_PERCENT/);
      expect((error as Error).message).toMatch(/INGEST_MAX_ATTEMPTS/);
    }
  });
});
