/**
 * Jest resolver: inside kafkajs, our drop-ins replace the kafkajs modules listed below (the same list as
 * libs/messaging/src/kafkajs/install-fast-paths.ts, which does this through require.cache outside jest, whose
 * module registry does not use it). Matched on the resolved file, not on the request string: kafkajs requires
 * `./v3/request` from many folders, and only the produce one is ours. Requests made outside kafkajs (our specs
 * comparing a drop-in with its original) get the original.
 */
const path = require('node:path');

const DROP_INS = {
  'kafkajs/src/producer/groupMessagesPerPartition.js': 'group-messages-per-partition.ts',
  'kafkajs/src/protocol/recordBatch/record/v0/index.js': 'record-encoder.ts',
  'kafkajs/src/protocol/recordBatch/crc32C/index.js': 'crc32c.ts',
  'kafkajs/src/protocol/recordBatch/record/v0/decoder.js': 'record-decoder.ts',
  'kafkajs/src/protocol/requests/produce/v3/request.js': 'produce-request.ts',
};
const KAFKAJS = `${path.sep}node_modules${path.sep}kafkajs${path.sep}`;

module.exports = (request, options) => {
  const resolved = options.defaultResolver(request, options);
  if (!`${options.basedir}${path.sep}`.includes(KAFKAJS)) return resolved;
  const at = resolved.lastIndexOf(KAFKAJS);
  const mine = at < 0 ? undefined : DROP_INS[resolved.slice(at + KAFKAJS.length - 'kafkajs/'.length).split(path.sep).join('/')];
  return mine ? path.join(options.rootDir, 'libs/messaging/src/kafkajs', mine) : resolved;
};
