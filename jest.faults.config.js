/** Fault-injection suites (npm run test:faults): real engine processes, SIGKILL, broker and database restarts. */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testRegex: 'test/faults/.*\\.fault-spec\\.ts$',
  testTimeout: 15 * 60 * 1000,
};
