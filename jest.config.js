/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/spec/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  collectCoverageFrom: ['lib/**/*.ts'],
  coverageReporters: ['text-summary', 'text'],
  // A test that fails part-way (a timeout) can leave its sockets open, and Jest would then wait
  // on them for ever after its report: the run ends with its report, failed, instead.
  forceExit: true,
  coverageThreshold: {
    './lib/protocol/': { lines: 95, branches: 95 },
    './lib/state/': { lines: 95, branches: 95 },
    './lib/util/': { lines: 95, branches: 95 },
  },
};
