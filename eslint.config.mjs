import nx from '@nx/eslint-plugin';

/**
 * Module boundaries, by tag (`scope:` says where code ships, `type:` what it is):
 *   api                                    scope:api      type:app        the service
 *   contracts                              scope:shared   type:generated  types generated from the spec
 *   client                                 scope:shared   type:client     the typed client
 *   testing                                scope:testing  type:test-util  the test toolkit, test-only
 *   api-e2e, api-contract                  scope:e2e      type:e2e        suites that drive the built service
 *   perf, soak, docs-ui, contract-guard,   scope:tools    type:tool       workspace tools
 *   settings-docs, client-gen
 * Production code: api → contracts, client → contracts, nothing else. The service's spec files
 * and its test/ folder may use the toolkit too (`apiTests`); the rest of its code may not.
 */
function moduleBoundaries({ apiTests = false } = {}) {
  const withToolkit = (tags, toolkit) => (apiTests ? [...tags, toolkit] : tags);
  return {
    // The client's package build inlines the generated contract types, and the service's build
    // compiles them in: contracts needs no build of its own.
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'scope:api', onlyDependOnLibsWithTags: withToolkit(['scope:shared'], 'scope:testing') },
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: withToolkit(['type:generated'], 'type:test-util') },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      { sourceTag: 'type:generated', onlyDependOnLibsWithTags: [] },
      { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:generated'] },
      { sourceTag: 'type:test-util', onlyDependOnLibsWithTags: ['type:generated'] },
      // The suites drive the built service through the client and the toolkit, never its source.
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:client', 'type:generated', 'type:test-util'] },
      // The tools use the toolkit and the contract's types; not the service's source, not the suites.
      { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:generated', 'type:test-util'] },
    ],
  };
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', 'libs/contracts/src/generated/**', 'tmp/**'],
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries()],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // The service's own tests, and only they, may use the test toolkit.
    files: ['apps/api/**/*.spec.ts', 'apps/api/test/**'],
    rules: { '@nx/enforce-module-boundaries': ['error', moduleBoundaries({ apiTests: true })] },
  },
  {
    // Test files and tooling scripts may use the console.
    files: ['**/*.spec.ts', 'tools/**', '**/jest.config.cjs', 'jest.preset.cjs'],
    rules: { 'no-console': 'off' },
  },
  {
    // Jest configurations load the shared preset by path; they are not part of any module.
    files: ['**/jest.config.cjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
