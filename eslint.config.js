import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/**', 'public/build/**', 'node_modules/**', 'data/**', 'coverage/**', 'migrations/**', '.probe*/**', '.probe*', '.ssr-probe*', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Only server/kube may talk to Kubernetes through the client library.
    files: ['app/**', 'db/**', 'server/**'],
    ignores: ['server/kube/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@kubernetes/client-node', message: 'Use server/kube (its index.ts) instead.' }] },
      ],
    },
  },
  {
    // Only the config context reads the environment.
    files: ['app/**', 'db/**', 'server/**'],
    ignores: ['server/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read getConfig() instead.' }],
    },
  },
  {
    files: ['test/**', 'server/**/cli.ts', '.ci/**'],
    rules: { 'no-console': 'off' },
  },
);
