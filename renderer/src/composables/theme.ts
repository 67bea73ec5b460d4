import { computed, ref, watchSyncEffect } from 'vue'
import { storedPreference } from './preference'

/**
 * Light or dark theme: follows the system setting unless the user picked one. The choice
 * is the `data-theme` attribute on <html>; styles/tokens.css maps it to colours.
 */
export const THEME_PREFERENCES = ['system', 'light', 'dark'] as const
export type ThemePreference = (typeof THEME_PREFERENCES)[number]
export type Theme = 'light' | 'dark'

const preference = storedPreference<ThemePreference>('ds.theme', THEME_PREFERENCES, 'system')
const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null
const systemDark = ref(media?.matches ?? false)
media?.addEventListener?.('change', (e) => {
  systemDark.value = e.matches
})

const theme = computed<Theme>(() => (preference.value === 'system' ? (systemDark.value ? 'dark' : 'light') : preference.value))

let installed = false
/** Keep <html data-theme> in step with the preference and the system (call once at start). */
export function installTheme(): void {
  if (installed || typeof document === 'undefined') return
  installed = true
  // Synchronous: the attribute changes before any component re-renders, so charts that read
  // the CSS variables during render (chart-theme.ts) see the new theme.
  watchSyncEffect(() => {
    document.documentElement.dataset.theme = theme.value
  })
}

export function useTheme() {
  return {
    preference,
    theme,
    setPreference: (p: ThemePreference) => {
      preference.value = p
    },
    /** Flip between light and dark (leaves "follow the system"). */
    toggle: () => {
      preference.value = theme.value === 'dark' ? 'light' : 'dark'
    }
  }
}
