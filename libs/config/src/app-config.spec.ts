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
    expect(config.logLevel).toBe('log');
    expect(config.logFormat).toBe('json');
  });

  it('reads the log level and format', () => {
    expect(loadConfig({ LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty' })).toMatchObject({ logLevel: 'debug', logFormat: 'pretty' });
    expect(() => loadConfig({ LOG_FORMAT: 'text' })).toThrow(/LOG_FORMAT must be json or pretty/);
    expect(() => loadConfig({ LOG_LEVEL: 'info' })).toThrow(/LOG_LEVEL/);
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

  it('reads the database pools\' bounds: the ingest statement timeout, the API pool, its timeouts and the exports', () => {
    expect(loadConfig({})).toMatchObject({
      ingestStatementTimeoutMs: 120_000, apiPoolSize: 8, apiStatementTimeoutMs: 30_000, apiLockTimeoutMs: 10_000, exportConcurrency: 4, exportTimeoutMs: 600_000,
    });
    expect(
      loadConfig({
        INGEST_STATEMENT_TIMEOUT_MS: '300000', API_POOL_SIZE: '3', API_STATEMENT_TIMEOUT_MS: '1500', API_LOCK_TIMEOUT_MS: '500', EXPORT_CONCURRENCY: '2', EXPORT_TIMEOUT_MS: '60000',
      }),
    ).toMatchObject({ ingestStatementTimeoutMs: 300_000, apiPoolSize: 3, apiStatementTimeoutMs: 1500, apiLockTimeoutMs: 500, exportConcurrency: 2, exportTimeoutMs: 60_000 });
    expect(() => loadConfig({ EXPORT_CONCURRENCY: '8' })).toThrow(/EXPORT_CONCURRENCY \(8\) must be below API_POOL_SIZE \(8\)/);
    expect(() => loadConfig({ API_POOL_SIZE: '1' })).toThrow(/API_POOL_SIZE/);
    expect(() => loadConfig({ INGEST_STATEMENT_TIMEOUT_MS: '0' })).toThrow(/INGEST_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ API_STATEMENT_TIMEOUT_MS: '30s' })).toThrow(/API_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ EXPORT_CONCURRENCY: '0' })).toThrow(/EXPORT_CONCURRENCY/);
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
