// Lint rules; the layering rules (DESIGN.md) say why when they fire.
import tseslint from 'typescript-eslint';

const layering = (message, patterns) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '**/fixtures/**', '.nimbus/**'] },
  ...tseslint.configs.recommended,
  {
    // Type-aware rules that catch real bugs: a promise nobody awaits or catches (its rejection is lost),
    // and a promise handed where a plain callback is expected (an event listener, a boolean check).
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: layering('shared/ is runtime-neutral: it may not import client/, server/ or Node built-ins (DESIGN.md, Layout).', [
      '**/client/**',
      '**/server/**',
      'node:*',
      'fs',
      'path',
      'child_process',
      'http',
      'net',
      'os',
    ]),
  },
  {
    files: ['client/**/*.ts'],
    rules: layering('client/ runs in the browser: it may import shared/ but never server/ or Node built-ins (DESIGN.md, Layout).', [
      '**/server/**',
      'node:*',
    ]),
  },
  {
    files: ['server/**/*.ts'],
    rules: layering('server/ may import shared/ but never client/ (DESIGN.md, Layout).', ['**/client/**']),
  },
);
