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

  it('reads FUTURE_TOLERANCE as a duration (24h by default) and refuses anything else', () => {
    expect(loadConfig({}).futureToleranceMs).toBe(86_400_000);
    expect(loadConfig({ FUTURE_TOLERANCE: '90m' }).futureToleranceMs).toBe(5_400_000);
    expect(loadConfig({ FUTURE_TOLERANCE: '500ms' }).futureToleranceMs).toBe(500);
    expect(loadConfig({ FUTURE_TOLERANCE: '2d' }).futureToleranceMs).toBe(172_800_000);
    expect(() => loadConfig({ FUTURE_TOLERANCE: '1 day' })).toThrow(/FUTURE_TOLERANCE must be a duration/);
  });

  it('reads the programs file and the partner enrollment', () => {
    const config = loadConfig({ PROGRAMS_FILE: 'programs/example.json', PARTNER_ENROLLMENT: 'approval' });
    expect(config.programsFile).toBe('programs/example.json');
    expect(config.partnerEnrollment).toBe('approval');
    expect(() => loadConfig({ PARTNER_ENROLLMENT: 'closed' })).toThrow(/PARTNER_ENROLLMENT must be open or approval/);
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
