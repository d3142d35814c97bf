/**
 * `--name N` of a tool's command line (the benchmark and the checks in scripts/): the fallback when absent; an integer of
 * at least `min` when given, anything else refused with the option's name (a typo must not run a benchmark on NaN).
 */
export function integerOption(name: string, fallback: number, min = 0, argv: readonly string[] = process.argv): number {
  const index = argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer of at least ${min}, got ${argv[index + 1] ?? 'nothing'}`);
  return value;
}
