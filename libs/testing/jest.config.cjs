module.exports = require('../../jest.preset.cjs')(__dirname, {
  displayName: 'testing',
  // The toolkit's own tests need no PostgreSQL.
  globalSetup: undefined,
  globalTeardown: undefined,
});
