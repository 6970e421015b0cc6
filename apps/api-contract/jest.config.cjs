module.exports = require('../../jest.preset.cjs')(__dirname, {
  displayName: 'api-contract',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.spec.mjs'],
  // A bound against a hang, not a speed check: 10,000 generated queries per database through
  // Prism have taken up to 115 s on a 2-core machine busy with other work.
  testTimeout: 300000,
});
