/** Injection tokens of the engine's providers that are not classes. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const RULE_SETTINGS = Symbol('RULE_SETTINGS');
/** How long a graceful stop may take (ms; SHUTDOWN_TIMEOUT_MS) */
export const SHUTDOWN_TIMEOUT_MS = Symbol('SHUTDOWN_TIMEOUT_MS');
