/* global process */
/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/spec/**/*.spec.ts'],
  // The soak plays for minutes of CPU time: `npm run soak` runs it (and a longer fuzz).
  testPathIgnorePatterns: process.env.RXGASE_SOAK
    ? ['/node_modules/']
    : ['/node_modules/', 'soak\\.spec\\.ts$'],
  collectCoverageFrom: ['lib/**/*.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: {
    './lib/protocol/': { lines: 95, branches: 95 },
    './lib/state/': { lines: 95, branches: 95 },
  },
};
