/** Injection tokens of the engine's providers that are not classes. */
/** The ingest's pool: ApplyEvents, the outbox relay, the expiry sweep, planner statistics, health and metrics */
export const DATA_SOURCE = Symbol('DATA_SOURCE');
/** The API's own pool (every /v1 service), with its statement and lock timeouts: the API never takes the ingest's connections */
export const API_DATA_SOURCE = Symbol('API_DATA_SOURCE');
export const RULE_SETTINGS = Symbol('RULE_SETTINGS');
/** How long a graceful stop may take (ms; SHUTDOWN_TIMEOUT_MS) */
export const SHUTDOWN_TIMEOUT_MS = Symbol('SHUTDOWN_TIMEOUT_MS');
