import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

const alias = { '@shared': resolve(import.meta.dirname, 'shared') }

// Three projects: Node-side unit tests, renderer component tests in happy-dom, and
// end-to-end tests that drive Debian's Chromium against browser mode (built app).
export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000
        }
      },
      {
        resolve: { alias },
        plugins: [vue()],
        define: { __VUE_I18N_FULL_INSTALL__: 'true', __VUE_I18N_LEGACY_API__: 'false', __INTLIFY_PROD_DEVTOOLS__: 'false' },
        test: {
          name: 'renderer',
          include: ['tests/renderer/**/*.test.ts'],
          // Installs English vue-i18n on every mount (components read their strings from it).
          setupFiles: ['tests/renderer/setup-i18n.ts'],
          environment: 'happy-dom',
          testTimeout: 30_000
        }
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000
        }
      }
    ]
  }
})
