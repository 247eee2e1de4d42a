import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'perf/results/**',
      'perf/node_modules/**',
      'perf/artillery/node_modules/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // The store interface is async; the embedded store answers at once, which is fine.
      '@typescript-eslint/require-await': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in common/src/config.ts only.' },
      ],
    },
  },
  {
    files: ['**/config.ts', 'tests/**', 'perf/**', '**/*.js', '**/*.mjs', 'all-in-one/src/main.ts', '**/server.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // jest's asymmetric matchers (expect.any, expect.stringMatching) are typed as any.
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // The React client and its component tests run in a browser (jsdom for the tests).
    files: ['client/**/*.{ts,tsx}', 'tests/client/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
    rules: {
      // The page may share only the browser-safe contract, never the services' server-side code.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@flashsale/(?!common/contract$)|^(\\.\\./)+common/',
              message: 'The client imports only @flashsale/common/contract.',
            },
          ],
        },
      ],
    },
  },
  {
    // The contract is what the browser loads: it may import nothing but itself.
    files: ['common/src/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./)', message: 'The contract is browser-safe: it imports only its own files.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: {
      globals: {
        module: 'readonly',
        exports: 'writable',
        require: 'readonly',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
  prettier,
);
