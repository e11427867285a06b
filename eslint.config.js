// Lint rules; the layering rules (DESIGN.md) say why when they fire.
import tseslint from 'typescript-eslint';

const layering = (message, patterns) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '**/fixtures/**', '.nimbus/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: layering('shared/ is runtime-neutral: it may not import client/, server/ or Node built-ins (DESIGN.md, Layout).', [
      '**/client/**', '**/server/**', 'node:*', 'fs', 'path', 'child_process', 'http', 'net', 'os',
    ]),
  },
  {
    files: ['client/**/*.ts'],
    rules: layering('client/ runs in the browser: it may import shared/ but never server/ or Node built-ins (DESIGN.md, Layout).', [
      '**/server/**', 'node:*',
    ]),
  },
  {
    files: ['server/**/*.ts'],
    rules: layering('server/ may import shared/ but never client/ (DESIGN.md, Layout).', ['**/client/**']),
  },
);
