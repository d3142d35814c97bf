import Module from 'node:module';
import { dirname } from 'node:path';
import manifest = require('./drop-ins.json');

/**
 * kafkajs is in maintenance mode; four of its producer internals and its record decoder cost the engine
 * more than all its own encoding work. Our drop-ins (same inputs, same outputs, tested byte for byte against the
 * originals of the kafkajs version in drop-ins.json, which package.json pins exactly) replace them inside kafkajs.
 * drop-ins.json is the one list of them, read by both mechanisms: this module registers them under the kafkajs
 * module ids in require.cache, before kafkajs is first loaded; under jest, whose module registry does not use
 * require.cache, test/support/kafkajs-drop-ins.resolver.js maps the same files. (The produce v3 request is the body
 * of v4–v7 too.) The gateway refuses to start without all of them (`assertKafkajsDropIns`): kafkajs loaded first,
 * or another kafkajs version, would otherwise run silently with the slow originals, or drop-ins never verified
 * against the internals they replace.
 */

/** The kafkajs version the drop-ins are verified against. */
export const KAFKAJS_VERSION: string = manifest.kafkajs;

export interface DropIn {
  /** The kafkajs file it replaces, e.g. `kafkajs/src/producer/groupMessagesPerPartition.js`. */
  kafkajsFile: string;
  replacement: unknown;
}

/** kafkajs as loaded: its version, the file kafkajs gets when it requires one of its own, the loaded modules. */
export interface LoadedKafkajs {
  version: string;
  resolve(kafkajsFile: string): string;
  cache: Record<string, { exports: unknown } | undefined>;
}

export const KAFKAJS_DROP_INS: readonly DropIn[] = Object.entries(manifest.dropIns).map(([kafkajsFile, ours]) => ({
  kafkajsFile,
  replacement: require(ours) as unknown, // eslint-disable-line @typescript-eslint/no-require-imports
}));

const installedVersion: string = require('kafkajs/package.json').version; // eslint-disable-line @typescript-eslint/no-require-imports

function install(): void {
  if (installedVersion !== KAFKAJS_VERSION) return; // never into internals they were not verified against
  for (const { kafkajsFile, replacement } of KAFKAJS_DROP_INS) {
    const id = require.resolve(kafkajsFile);
    if (require.cache[id]) continue; // kafkajs was loaded first
    const module = new Module(id);
    module.filename = id;
    module.loaded = true;
    module.exports = replacement;
    require.cache[id] = module;
  }
}

install();

/** kafkajs in this process: resolved from inside kafkajs, so that under jest the resolver answers as it does for kafkajs. */
function loadedKafkajs(): LoadedKafkajs {
  const root = dirname(require.resolve('kafkajs/package.json'));
  return { version: installedVersion, resolve: (file) => require.resolve(file, { paths: [root] }), cache: require.cache };
}

/** Why kafkajs does not run with exactly our drop-ins, or undefined when it does. */
export function kafkajsDropInsProblem(kafkajs: LoadedKafkajs = loadedKafkajs(), dropIns: readonly DropIn[] = KAFKAJS_DROP_INS): string | undefined {
  if (kafkajs.version !== KAFKAJS_VERSION) {
    return (
      `kafkajs ${kafkajs.version} is installed, but libs/messaging's drop-ins for kafkajs internals are verified against kafkajs ${KAFKAJS_VERSION} only ` +
      `(package.json pins it): run npm ci, or verify the drop-ins against the new version (libs/messaging/src/kafkajs/fast-paths.spec.ts) and update libs/messaging/src/kafkajs/drop-ins.json and package.json`
    );
  }
  const missing = dropIns.filter(({ kafkajsFile, replacement }) => kafkajs.cache[kafkajs.resolve(kafkajsFile)]?.exports !== replacement);
  if (missing.length === 0) return undefined;
  return (
    `kafkajs was loaded before libs/messaging installed its drop-ins (${missing.map((d) => d.kafkajsFile).join(', ')}): ` +
    `import @engine/messaging before anything that imports kafkajs (under jest, test/support/kafkajs-drop-ins.resolver.js must be the resolver)`
  );
}

/** Throws unless kafkajs runs with all our drop-ins, in the version they are verified against. */
export function assertKafkajsDropIns(): void {
  const problem = kafkajsDropInsProblem();
  if (problem) throw new Error(problem);
}
