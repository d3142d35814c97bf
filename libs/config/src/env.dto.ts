import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, Validate } from 'class-validator';
import { IsRfc3339 } from '@engine/contracts';

/** The environment the engine reads (CONTRACT §1), validated at boot. Defaults in `loadConfig`. */
export class EnvDto {
  @IsString() @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' })
  KAFKA_BROKERS: string;

  @IsString() @Matches(/^postgres(ql)?:\/\/.+\/[^/?]+/, { message: 'DATABASE_URL must be postgres://user@host:port/database' })
  DATABASE_URL: string;

  @IsString() @Matches(/^postgres(ql)?:\/\/.+\/[^/?]+/, { message: 'MIGRATION_DATABASE_URL must be postgres://user@host:port/database' })
  MIGRATION_DATABASE_URL: string;

  @IsInt() @Min(0) @Max(65535)
  HTTP_PORT: number;

  @IsOptional() @IsString()
  API_KEYS?: string;

  @IsOptional() @IsString() @Matches(/^[\x21-\x7e]{16,}$/, { message: 'METRICS_TOKEN must be at least 16 printable ASCII characters without spaces' })
  METRICS_TOKEN?: string;

  @IsOptional() @Validate(IsRfc3339, { message: 'ENGINE_NOW must be an ISO-8601 / RFC 3339 timestamp' })
  ENGINE_NOW?: string;

  @IsInt() @Min(1) @Max(1000)
  TOPIC_PARTITIONS: number;

  @IsInt() @Min(1000)
  EXPIRY_SWEEP_INTERVAL_MS: number;

  @IsInt() @Min(10)
  OUTBOX_POLL_INTERVAL_MS: number;

  @IsInt() @Min(1) @Max(64)
  PARTITIONS_CONSUMED_CONCURRENTLY: number;

  @IsInt() @Min(1024)
  CONSUMER_MAX_BYTES: number;

  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._-]*$/, { message: 'KAFKA_TOPIC_PREFIX may hold letters, digits, ".", "_" and "-" only' })
  KAFKA_TOPIC_PREFIX?: string;

  @IsString() @Matches(/^[A-Za-z0-9._-]+$/, { message: 'KAFKA_GROUP_ID may hold letters, digits, ".", "_" and "-" only' })
  KAFKA_GROUP_ID: string;

  @IsInt() @Min(0) @Max(16)
  PARSE_WORKERS: number;

  @IsInt() @Min(0) @Max(10_000_000)
  WORKING_SET_MAX_ENTRIES: number;

  @IsInt() @Min(1) @Max(100)
  INGEST_MAX_ATTEMPTS: number;

  @IsInt() @Min(0) @Max(1_000_000)
  HEAP_SOFT_LIMIT_MB: number;

  @IsInt() @Min(0) @Max(400)
  HEAP_GROWING_PERCENT: number;

  @IsInt() @Min(0)
  STATISTICS_INTERVAL_MS: number;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: string;

  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT: string;

  @IsOptional() @IsString()
  PROGRAMS_FILE?: string;

  @IsIn(['open', 'approval'], { message: 'PARTNER_ENROLLMENT must be open or approval' })
  PARTNER_ENROLLMENT: string;

  @IsInt() @Min(1000) @Max(3_600_000)
  INGEST_STATEMENT_TIMEOUT_MS: number;

  @IsInt() @Min(2) @Max(100)
  API_POOL_SIZE: number;

  @IsInt() @Min(100) @Max(3_600_000)
  API_STATEMENT_TIMEOUT_MS: number;

  @IsInt() @Min(100) @Max(3_600_000)
  API_LOCK_TIMEOUT_MS: number;

  @IsInt() @Min(1) @Max(99)
  EXPORT_CONCURRENCY: number;

  @IsInt() @Min(1000) @Max(86_400_000)
  EXPORT_TIMEOUT_MS: number;
}
