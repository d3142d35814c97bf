/** Unit tests sit beside the code in libs/ and apps/; integration suites live in test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testRegex: '.*\\.(spec|int-spec)\\.ts$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@engine/(.*)$': '<rootDir>/libs/$1/src',
  },
  // our drop-ins for kafkajs internals, listed in libs/messaging/src/kafkajs/drop-ins.json (install-fast-paths.ts reads it too)
  resolver: '<rootDir>/test/support/kafkajs-drop-ins.resolver.js',
  testTimeout: 120000,
};
