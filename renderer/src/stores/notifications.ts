import { defineStore } from 'pinia'
import { ref } from 'vue'

/**
 * Toasts for finished actions (with Undo where the action can be undone) and the one
 * confirmation dialog for destructive actions. Screens call `toast()` / `confirm()`; the
 * shell (ToastHost, ConfirmHost) shows them.
 */
export interface Toast {
  id: number
  message: string
  kind: 'success' | 'info' | 'error'
  /** e.g. Undo: runs the action and closes the toast. */
  action?: { label: string; run: () => void | Promise<void> }
  timeoutMs: number
}

export interface ConfirmRequest {
  title: string
  message: string
  confirmLabel: string
  cancelLabel?: string
  danger?: boolean
  resolve: (ok: boolean) => void
}

let nextId = 1

export const useNotificationsStore = defineStore('notifications', () => {
  const toasts = ref<Toast[]>([])
  const pendingConfirm = ref<ConfirmRequest | null>(null)
  const timers = new Map<number, ReturnType<typeof setTimeout>>()

  function toast(message: string, opts: { kind?: Toast['kind']; action?: Toast['action']; timeoutMs?: number } = {}): number {
    const id = nextId++
    // Undo needs time to read and reach: longer than a plain notice.
    const timeoutMs = opts.timeoutMs ?? (opts.action ? 10_000 : 5_000)
    toasts.value = [...toasts.value.slice(-3), { id, message, kind: opts.kind ?? 'success', timeoutMs, ...(opts.action ? { action: opts.action } : {}) }]
    if (timeoutMs > 0) timers.set(id, setTimeout(() => dismiss(id), timeoutMs))
    return id
  }

  function dismiss(id: number): void {
    const timer = timers.get(id)
    if (timer) clearTimeout(timer)
    timers.delete(id)
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }

  async function runAction(id: number): Promise<void> {
    const t = toasts.value.find((x) => x.id === id)
    dismiss(id)
    await t?.action?.run()
  }

  /** Ask before a destructive action; resolves true only when the user confirms. */
  function confirm(req: Omit<ConfirmRequest, 'resolve'>): Promise<boolean> {
    pendingConfirm.value?.resolve(false)
    return new Promise<boolean>((resolve) => {
      pendingConfirm.value = { ...req, resolve }
    })
  }

  function answerConfirm(ok: boolean): void {
    const req = pendingConfirm.value
    pendingConfirm.value = null
    req?.resolve(ok)
  }

  return { toasts, pendingConfirm, toast, dismiss, runAction, confirm, answerConfirm }
})
