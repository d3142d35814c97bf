import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import manifest = require('./drop-ins.json');
import { KAFKAJS_DROP_INS, KAFKAJS_VERSION, kafkajsDropInsProblem, LoadedKafkajs } from './install-fast-paths';

/* eslint-disable @typescript-eslint/no-require-imports */
const ROOT = resolve(__dirname, '../../../..');
const KAFKAJS_ROOT = dirname(require.resolve('kafkajs/package.json'));
const entries = Object.entries(manifest.dropIns);

/** kafkajs as a check sees it: `loaded` maps each kafkajs file to what kafkajs got for it (absent: not loaded yet). */
function fakeKafkajs(loaded: Map<string, unknown>, version = KAFKAJS_VERSION): LoadedKafkajs {
  const cache: LoadedKafkajs['cache'] = {};
  for (const [file, exports] of loaded) cache[`/resolved/${file}`] = { exports };
  return { version, resolve: (file) => `/resolved/${file}`, cache };
}
const ours = () => new Map(KAFKAJS_DROP_INS.map((d) => [d.kafkajsFile, d.replacement]));

/** A process that loads `first`, then constructs a KafkaGateway from the TypeScript sources (transpiled on load). */
function gatewayProcess(first: 'kafkajs' | 'gateway') {
  const script = `
    const ts = require('typescript');
    require.extensions['.ts'] = (module, filename) => module._compile(ts.transpileModule(require('fs').readFileSync(filename, 'utf8'),
      { fileName: filename, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, filename);
    ${first === 'kafkajs' ? "require('kafkajs');" : ''}
    const { KafkaGateway } = require(${JSON.stringify(join(__dirname, '..', 'kafka-gateway.ts'))});
    new KafkaGateway({ brokers: ['127.0.0.1:1'], clientId: 'drop-ins-spec' });
    console.log('gateway constructed');`;
  return spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('kafkajs drop-ins (drop-ins.json, shared by install-fast-paths.ts and the jest resolver)', () => {
  it('lists kafkajs files that exist and modules of ours that replace them', () => {
    expect(entries.length).toBe(5);
    for (const [kafkajsFile, mine] of entries) {
      expect(require.resolve(kafkajsFile)).toBe(join(KAFKAJS_ROOT, kafkajsFile.slice('kafkajs/'.length)));
      const replacement = require(join(__dirname, mine));
      expect(typeof replacement).toBe('function');
      expect(KAFKAJS_DROP_INS.find((d) => d.kafkajsFile === kafkajsFile)?.replacement).toBe(replacement);
    }
  });

  it('are what kafkajs gets under jest: the resolver maps every listed file, and the check passes', () => {
    for (const [kafkajsFile, mine] of entries) {
      expect(require.resolve(kafkajsFile, { paths: [KAFKAJS_ROOT] })).toBe(join(__dirname, `${mine.slice(2)}.ts`));
    }
    expect(kafkajsDropInsProblem()).toBeUndefined();
  });

  it('are verified against the kafkajs version package.json pins exactly, and the one installed', () => {
    const lock = require(join(ROOT, 'package-lock.json'));
    expect(KAFKAJS_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(require(join(ROOT, 'package.json')).dependencies.kafkajs).toBe(KAFKAJS_VERSION);
    expect(lock.packages[''].dependencies.kafkajs).toBe(KAFKAJS_VERSION);
    expect(lock.packages['node_modules/kafkajs'].version).toBe(KAFKAJS_VERSION);
    expect(require('kafkajs/package.json').version).toBe(KAFKAJS_VERSION);
  });

  it('check: passes when kafkajs has all of ours, or has yet to load one (it will get ours)', () => {
    expect(kafkajsDropInsProblem(fakeKafkajs(ours()))).toBeUndefined();
  });

  it('check: names the drop-ins kafkajs runs without, and says what to do', () => {
    const loaded = ours();
    loaded.set('kafkajs/src/producer/groupMessagesPerPartition.js', () => 'the original');
    loaded.delete('kafkajs/src/protocol/recordBatch/crc32C/index.js'); // not registered, so kafkajs would load the original
    expect(kafkajsDropInsProblem(fakeKafkajs(loaded))).toBe(
      'kafkajs was loaded before libs/messaging installed its drop-ins ' +
        '(kafkajs/src/producer/groupMessagesPerPartition.js, kafkajs/src/protocol/recordBatch/crc32C/index.js): ' +
        'import @engine/messaging before anything that imports kafkajs (under jest, test/support/kafkajs-drop-ins.resolver.js must be the resolver)',
    );
  });

  it('check: refuses another kafkajs version, even one running our drop-ins', () => {
    expect(kafkajsDropInsProblem(fakeKafkajs(ours(), '2.3.0'))).toMatch(
      new RegExp(`^kafkajs 2\\.3\\.0 is installed, but libs/messaging's drop-ins for kafkajs internals are verified against kafkajs ${KAFKAJS_VERSION.replace(/\./g, '\\.')} only \\(package.json pins it\\)`),
    );
  });

  it('a process that loads kafkajs before the gateway cannot construct it; one that loads the gateway first can', () => {
    const refused = gatewayProcess('kafkajs');
    expect(refused.status).not.toBe(0);
    expect(refused.stdout).not.toContain('gateway constructed');
    expect(refused.stderr).toContain(
      'Error: kafkajs was loaded before libs/messaging installed its drop-ins (kafkajs/src/producer/groupMessagesPerPartition.js): import @engine/messaging before anything that imports kafkajs',
    );
    const started = gatewayProcess('gateway');
    expect(started.stderr).toBe('');
    expect(started.stdout).toContain('gateway constructed');
    expect(started.status).toBe(0);
  });
});
