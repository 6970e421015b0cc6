module.exports = require('../../jest.preset.cjs')(__dirname, {
  displayName: 'api-contract',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.spec.mjs'],
  testTimeout: 120000,
});
