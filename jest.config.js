/** Unit tests sit beside the code in libs/ and apps/; integration suites live in test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testRegex: '.*\\.(spec|int-spec)\\.ts$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@engine/(.*)$': '<rootDir>/libs/$1/src',
    // our drop-ins for kafkajs internals (libs/messaging/src/kafkajs/install-fast-paths.ts)
    '^\\./groupMessagesPerPartition$': '<rootDir>/libs/messaging/src/kafkajs/group-messages-per-partition.ts',
    '^\\.\\./\\.\\./\\.\\./recordBatch/record/v0$': '<rootDir>/libs/messaging/src/kafkajs/record-encoder.ts',
    '^\\.\\./crc32C$': '<rootDir>/libs/messaging/src/kafkajs/crc32c.ts',
    '^\\.\\./record/v0/decoder$': '<rootDir>/libs/messaging/src/kafkajs/record-decoder.ts',
  },
  testTimeout: 120000,
};
