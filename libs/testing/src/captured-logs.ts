/**
 * A log destination that keeps what is written to it, line by line (`createEngineApp(config, settings, logs)`, the
 * root logger of observability/logging.ts): for tests that read the engine's log lines.
 */
export interface CapturedLogs {
  write(chunk: string): void;
  readonly lines: string[];
  /** the lines parsed (LOG_FORMAT=json) */
  json(): Record<string, unknown>[];
}

export function capturedLogs(): CapturedLogs {
  const lines: string[] = [];
  return {
    lines,
    write: (chunk) => void lines.push(...chunk.split('\n').filter((line) => line !== '')),
    json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
