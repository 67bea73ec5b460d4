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

// Layers of the main-process code, lowest first (docs/decisions.md, "Import direction"):
//   shared  <-  imaging  <-  engine        store (shared only)
//   services  ->  engine, store, imaging, shared
//   main, server, cli  ->  services and below
// Each layer's rule lists the folders of ours it must not reach. `imaging` (sharp
// decoding and preprocessing) is a leaf like shared: it imports nothing of ours.
const layer = (what, forbidden, why) => ({
  files: [`electron/${what}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      { ...noElectron, patterns: [{ group: forbidden.flatMap((f) => [`**/${f}/**`, `**/${f}`]), message: why }] }
    ]
  }
})
const above = (...names) => names

// All SQL lives in electron/store/ (its README): the rest of the main process reaches the
// project and history files through repositories only. Calls that run SQL on a
// better-sqlite3 connection (prepare, exec, pragma) and the driver import are refused
// elsewhere; `/re/.exec(text)` on a regular expression literal stays allowed.
const noSql = 'SQL lives in electron/store/ only: add a method to a repository there (electron/store/README.md) and call it.'
const sqlOnlyInStore = {
  files: ['electron/**/*.ts'],
  ignores: ['electron/store/**'],
  rules: {
    'no-restricted-syntax': [
      'error',
      { selector: "CallExpression[callee.property.name=/^(prepare|pragma)$/]", message: noSql },
      { selector: "CallExpression[callee.property.name='exec']:not([callee.object.regex])", message: noSql },
      { selector: "ImportDeclaration[source.value='better-sqlite3']", message: noSql },
      { selector: "ImportExpression[source.value='better-sqlite3']", message: noSql }
    ]
  }
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
  layer('engine', above('store', 'services', 'main', 'preload', 'server', 'cli', 'renderer'), 'The engine imports nothing of ours above it (only shared/ and imaging/): take what it needs as a parameter or an interface the caller fills (see engine/train/training-data.ts).'),
  layer('store', above('engine', 'imaging', 'services', 'main', 'preload', 'server', 'cli', 'renderer'), 'The store imports only shared/: it is the database layer under everything.'),
  layer('imaging', above('engine', 'store', 'services', 'main', 'preload', 'server', 'cli', 'renderer'), 'imaging/ is a leaf (sharp + shared/ only).'),
  sqlOnlyInStore,
  layer('services', above('main', 'preload', 'server', 'cli', 'renderer'), 'Services are used by main, server and CLI, never the other way round: move the shared piece down into services/ or shared/.'),
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
    // Server state lives in Pinia stores (renderer/src/stores/): screens and components read
    // stores and call their actions, never the transport directly (imageUrl builds a URL only).
    files: ['renderer/src/views/**/*.{ts,vue}', 'renderer/src/components/**/*.{ts,vue}'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='api'][callee.property.name=/^(call|request|on)$/]",
          message: 'Views and components do not call the API: add an action to the store in renderer/src/stores/ that owns this state.'
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
