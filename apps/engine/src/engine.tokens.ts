/** Injection tokens of the engine's providers that are not classes. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const RULE_SETTINGS = Symbol('RULE_SETTINGS');
