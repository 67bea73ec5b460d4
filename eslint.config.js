import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import globals from 'globals'

// Where code runs decides what it may import (see shared/STYLE.md and electron/README.md):
// only electron/main and electron/preload touch Electron; the renderer reaches the app
// through its api/ layer and shared/ only; shared/ imports nothing of ours.
const noElectron = {
  paths: [{ name: 'electron', message: 'Only electron/main and electron/preload may import electron: keep engine, store and services runnable under plain Node.' }]
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-artifacts/**', '.tmp/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } }
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-empty-object-type': ['error', { allowObjectTypes: 'always' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off'
    }
  },
  {
    files: ['electron/**/*.ts', 'shared/**/*.ts', 'tests/unit/**/*.ts', 'tests/support/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    ignores: ['electron/main/**', 'electron/preload/**', 'tests/unit/main/**'],
    rules: { 'no-restricted-imports': ['error', noElectron] }
  },
  {
    files: ['renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noElectron,
          patterns: [
            { group: ['**/electron/**', '**/electron'], message: 'The renderer never imports main-process code: use renderer/src/api and shared/.' },
            { group: ['node:*'], message: 'No Node in the renderer.' }
          ]
        }
      ]
    }
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { ...noElectron, patterns: [{ group: ['**/electron/**', '**/renderer/**', 'node:*'], message: 'shared/ runs anywhere and imports nothing of ours.' }] }]
    }
  }
)
