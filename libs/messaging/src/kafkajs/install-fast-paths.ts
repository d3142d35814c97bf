import Module from 'node:module';
import groupMessagesPerPartition = require('./group-messages-per-partition');
import crc32c = require('./crc32c');
import decodeRecord = require('./record-decoder');
import encodeRecord = require('./record-encoder');
import produceRequest = require('./produce-request');

/**
 * kafkajs is in maintenance mode; four of its producer internals and its record decoder cost the engine
 * more than all its own encoding work. This registers our drop-ins (same inputs, same outputs, tested byte for byte against the
 * originals) under the kafkajs module ids, before kafkajs is first loaded. Under jest, whose module registry
 * does not use require.cache, test/support/kafkajs-drop-ins.resolver.js maps the same files (keep both lists in step). If kafkajs was loaded before, nothing changes
 * (the originals are correct, only slower); `kafkajsFastPathsInstalled` says which ones run (the engine logs it).
 */
const REPLACEMENTS: [string, unknown][] = [
  ['kafkajs/src/producer/groupMessagesPerPartition', groupMessagesPerPartition],
  ['kafkajs/src/protocol/recordBatch/record/v0', encodeRecord],
  ['kafkajs/src/protocol/recordBatch/crc32C', crc32c],
  ['kafkajs/src/protocol/recordBatch/record/v0/decoder', decodeRecord],
  ['kafkajs/src/protocol/requests/produce/v3/request', produceRequest], // v4–v7 build on it
];

function install(): boolean {
  let all = true;
  for (const [request, replacement] of REPLACEMENTS) {
    const id = require.resolve(request);
    const cached = require.cache[id];
    if (cached) {
      all &&= cached.exports === replacement;
      continue;
    }
    const module = new Module(id);
    module.filename = id;
    module.loaded = true;
    module.exports = replacement;
    require.cache[id] = module;
  }
  return all;
}

export const kafkajsFastPathsInstalled = install();
