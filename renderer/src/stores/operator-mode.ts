import { defineStore } from 'pinia'
import { computed } from 'vue'
import { storedPreference } from '../composables/preference'

/**
 * Operator / engineer mode. Locked (operator) means: only the operator line view is
 * reachable (router.ts redirects everything else), and it shows no control that changes
 * models, sources or settings. Unlocking asks for confirmation, so a stray tap on the line
 * PC cannot do it. The lock and the trigger key survive a reload.
 */
const KEY_CODE = /^[A-Za-z0-9]{1,24}$/

export const useOperatorModeStore = defineStore('operator-mode', () => {
  const lock = storedPreference<'on' | 'off'>('ds.operator.lock', ['on', 'off'], 'off')
  /** KeyboardEvent.code of the trigger (a foot pedal types a key too). */
  const triggerKey = storedPreference<string>('ds.operator.triggerKey', (raw) => KEY_CODE.test(raw), 'Space')
  const locked = computed(() => lock.value === 'on')

  function setLocked(v: boolean): void {
    lock.value = v ? 'on' : 'off'
  }
  function setTriggerKey(code: string): boolean {
    if (!KEY_CODE.test(code)) return false
    triggerKey.value = code
    return true
  }
  return { locked, triggerKey, setLocked, setTriggerKey }
})
