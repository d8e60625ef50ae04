// Flat ESLint config: TypeScript rules plus Nx module boundaries (see docs/architecture.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import globals from 'globals';

const serviceImports = ['@nestjs/*', 'typeorm', 'pg', 'pg-copy-streams', 'bullmq', 'ioredis', '@nats-io/*', 'express'];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'tests/bpf/build/**', 'bench/results/**', '**/*.d.ts', '**/generated/*.json', '.data/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { '@nx': nx },
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { sourceType: 'module' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:bpf', onlyDependOnLibsWithTags: ['scope:bpf'], bannedExternalImports: serviceImports },
            { sourceTag: 'layer:pure', onlyDependOnLibsWithTags: ['layer:pure'], bannedExternalImports: ['koffi', ...serviceImports] },
            { sourceTag: 'scope:fleet', onlyDependOnLibsWithTags: ['scope:fleet', 'scope:bpf'], bannedExternalImports: ['@nestjs/*', 'typeorm'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
