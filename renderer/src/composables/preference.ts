import { ref, watch, type Ref } from 'vue'

/**
 * A user preference kept in localStorage (theme, language, operator lock, trigger key), so
 * it survives a reload in Electron and in a browser. A blocked or corrupt store falls back
 * to the default instead of failing the screen.
 */
/** The part of the Web Storage API used here (typed locally: tests type-check this file under Node). */
interface KeyValueStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}
const storage = (): KeyValueStore | undefined => (globalThis as { localStorage?: KeyValueStore }).localStorage

export function storedPreference<T extends string>(key: string, allowed: readonly T[] | ((raw: string) => boolean), fallback: T): Ref<T> {
  const ok = (raw: string): boolean => (typeof allowed === 'function' ? allowed(raw) : (allowed as readonly string[]).includes(raw))
  let initial = fallback
  try {
    const raw = storage()?.getItem(key)
    if (raw !== null && raw !== undefined && ok(raw)) initial = raw as T
  } catch {
    // storage disabled (privacy mode): keep the default
  }
  const value = ref(initial) as Ref<T>
  watch(value, (v) => {
    try {
      storage()?.setItem(key, v)
    } catch {
      // not persisted; the choice still holds for this session
    }
  })
  return value
}
