/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/spec/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  collectCoverageFrom: ['lib/**/*.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: {
    './lib/protocol/': { lines: 95, branches: 95 },
    './lib/state/': { lines: 95, branches: 95 },
    './lib/util/': { lines: 95, branches: 95 },
  },
};
