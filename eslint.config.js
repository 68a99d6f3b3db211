// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The lower layers know nothing of Koober: they never import from the application, the server or the CLI.
    files: ['src/log/**', 'src/streams/**', 'src/analytics/**', 'src/store/**', 'src/ingest/**', 'src/forecast/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/koober/**', '**/web/**', '**/cli/**'] }],
    },
  },
)
