/** Fault-injection suites (npm run test:faults): real engine processes, SIGKILL, broker and database restarts. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testRegex: 'test/faults/.*\\.fault-spec\\.ts$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^@engine/(.*)$': '<rootDir>/libs/$1/src' },
  testTimeout: 15 * 60 * 1000,
};
