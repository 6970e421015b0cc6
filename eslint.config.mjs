import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', 'libs/contracts/src/generated/**', 'tmp/**'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      // Module boundaries, by tag:
      //   scope:api       the service: may use shared code only
      //   scope:shared    contracts, client and test helpers: may use shared code only
      //   scope:e2e       the end-to-end and contract suites: drive the service through shared code
      //   scope:tools     workspace tools (seeding, benchmarks, contract guard): use shared code only
      //   type:generated  code generated from the spec: depends on nothing of ours
      //   type:test-util  test helpers: never part of the service or the client
      '@nx/enforce-module-boundaries': [
        'error',
        {
          // The client's package build inlines the generated contract types, and the service's
          // build compiles them in: contracts needs no build of its own.
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'type:generated', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:generated'] },
            { sourceTag: 'type:app', notDependOnLibsWithTags: ['type:client'] },
            { sourceTag: 'type:test-util', notDependOnLibsWithTags: ['type:app', 'type:client'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
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
