import { describe, expect, it } from 'vitest'
import { FileAccess } from '../../../electron/services/file-access'
import { lineHandlers } from '../../../electron/services/handlers/line'
import type { InspectionManager } from '../../../electron/services/inspection/manager'
import { Router } from '../../../electron/services/router'

const ctx = { trusted: true, origin: 'test' }

describe('line:settings checks the MQTT CA file path like every path from the API', () => {
  it('refuses a device or a folder before any setting changes', async () => {
    let touched = 0
    const manager = { currentLine: async () => { touched++; throw new Error('must not be reached') } } as unknown as InspectionManager
    const router = new Router()
    router.register(lineHandlers({ manager, files: new FileAccess(null) }))
    for (const caFile of ['/dev/zero', '/tmp', 'relative/ca.pem', '/nonexistent/ca.pem']) {
      const r = await router.handle('line:settings', { mqtt: { caFile } }, ctx)
      expect(r.ok, caFile).toBe(false)
      if (!r.ok) expect(r.error.message).toMatch(/MQTT CA file/)
    }
    expect(touched).toBe(0)
  })
})
