/**
 * Jest resolver: inside kafkajs, our drop-ins replace the kafkajs files listed in
 * libs/messaging/src/kafkajs/drop-ins.json (the list install-fast-paths.ts registers through require.cache outside
 * jest, whose module registry does not use it). Matched on the resolved file, not on the request string: kafkajs
 * requires `./v3/request` from many folders, and only the produce one is ours. Requests made outside kafkajs (our
 * specs comparing a drop-in with its original) get the original.
 */
const path = require('node:path');
const { dropIns } = require('../../libs/messaging/src/kafkajs/drop-ins.json');

const DROP_INS_DIR = path.join(__dirname, '../../libs/messaging/src/kafkajs');
const KAFKAJS = `${path.sep}node_modules${path.sep}kafkajs${path.sep}`;

module.exports = (request, options) => {
  const resolved = options.defaultResolver(request, options);
  if (!`${options.basedir}${path.sep}`.includes(KAFKAJS)) return resolved;
  const at = resolved.lastIndexOf(KAFKAJS);
  const mine = at < 0 ? undefined : dropIns[resolved.slice(at + KAFKAJS.length - 'kafkajs/'.length).split(path.sep).join('/')];
  return mine ? options.defaultResolver(mine, { ...options, basedir: DROP_INS_DIR }) : resolved;
};
