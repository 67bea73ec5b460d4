/**
 * Electron's binary cannot be downloaded here, so this test loads the BUILT main and
 * preload bundles (npm run build) with a mocked `electron` module and checks the wiring:
 * window security options, one IPC handler per contract channel, the sender check, the
 * names the preload exposes, and that the preload is CommonJS (a sandboxed preload
 * cannot load ES modules).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { channels, events } from '../../../shared/contract/index'
import { preloadApiShape } from '../../../shared/contract/api-names'

const root = join(__dirname, '../../..')
const mainBundle = join(root, 'out/main/index.js')
const preloadBundle = join(root, 'out/preload/index.cjs')

interface Recorded {
  windowOptions: Record<string, any>[]
  handlers: Map<string, (event: unknown, payload: unknown) => Promise<any>>
  windowHandlers: Map<string, (...args: any[]) => any>
  permissionHandler?: (contents: any, permission: string, cb: (ok: boolean) => void, details: any) => void
  openHandler?: (details: { url: string }) => { action: string }
  schemes: any[]
  webContentsId: number
  mainFrame: { url: string }
}

const rec: Recorded = {
  windowOptions: [],
  handlers: new Map(),
  windowHandlers: new Map(),
  schemes: [],
  webContentsId: 7,
  mainFrame: { url: '' }
}

vi.mock('electron', () => {
  const session = {
    webRequest: { onHeadersReceived: vi.fn() },
    setPermissionRequestHandler: (h: Recorded['permissionHandler']) => (rec.permissionHandler = h),
    setPermissionCheckHandler: vi.fn()
  }
  class BrowserWindow {
    webContents: any
    constructor(options: Record<string, any>) {
      rec.windowOptions.push(options)
      this.webContents = {
        id: rec.webContentsId,
        mainFrame: rec.mainFrame,
        session,
        on: (name: string, fn: any) => rec.windowHandlers.set(name, fn),
        setWindowOpenHandler: (fn: Recorded['openHandler']) => (rec.openHandler = fn),
        send: vi.fn(),
        getURL: () => rec.mainFrame.url
      }
    }
    once() {}
    on() {}
    isDestroyed() { return false }
    loadURL() { return Promise.resolve() }
    loadFile(file: string) { rec.mainFrame.url = 'file://' + file; return Promise.resolve() }
  }
  const app = {
    requestSingleInstanceLock: () => true,
    on: vi.fn(),
    quit: vi.fn(),
    whenReady: () => Promise.resolve()
  }
  return {
    app,
    BrowserWindow,
    session: { defaultSession: session },
    shell: { openExternal: vi.fn() },
    ipcMain: { handle: (channel: string, fn: any) => rec.handlers.set(channel, fn), removeHandler: vi.fn() },
    protocol: { registerSchemesAsPrivileged: (s: any[]) => rec.schemes.push(...s), handle: vi.fn() }
  }
})

describe('built Electron bundles', () => {
  beforeAll(async () => {
    if (!existsSync(mainBundle) || !existsSync(preloadBundle)) throw new Error('Run "npm run build" before this test (npm test does).')
    await import(/* @vite-ignore */ mainBundle)
    await vi.waitFor(() => expect(rec.handlers.size).toBeGreaterThan(0), { timeout: 20_000 })
  })

  it('creates the window with isolation, sandbox and no Node', () => {
    expect(rec.windowOptions).toHaveLength(1)
    const prefs = rec.windowOptions[0]!.webPreferences
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false })
    expect(prefs.preload).toMatch(/preload[\\/]index\.cjs$/)
  })

  it('registers exactly one IPC handler for every contract channel', () => {
    expect([...rec.handlers.keys()].sort()).toEqual(Object.keys(channels).sort())
  })

  it('rejects calls from a frame that is not our window, and answers our own', async () => {
    const handler = rec.handlers.get('app:ping')!
    const ours = { sender: { id: rec.webContentsId }, senderFrame: rec.mainFrame }
    const foreignContents = { sender: { id: 99 }, senderFrame: { url: rec.mainFrame.url } }
    const foreignFrame = { sender: { id: rec.webContentsId }, senderFrame: { url: 'https://evil.example/' } }
    for (const event of [foreignContents, foreignFrame]) {
      const result = await handler(event, { echo: 'x' })
      expect(result).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } })
    }
    expect(await handler(ours, { echo: 'x' })).toEqual({ ok: true, value: { echo: 'x' } })
    expect(await handler(ours, { echo: 5 })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
  })

  it('denies navigation away, new windows, and permissions other than our camera', () => {
    const prevent = vi.fn()
    rec.windowHandlers.get('will-navigate')!({ preventDefault: prevent }, 'https://evil.example/')
    expect(prevent).toHaveBeenCalledOnce()
    expect(rec.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    const ask = (permission: string, url: string, mediaTypes?: string[]) => {
      let granted: boolean | undefined
      rec.permissionHandler!({ getURL: () => url }, permission, (ok) => (granted = ok), { requestingUrl: url, mediaTypes })
      return granted
    }
    expect(ask('media', rec.mainFrame.url, ['video'])).toBe(true)
    expect(ask('media', rec.mainFrame.url, ['audio'])).toBe(false)
    expect(ask('media', 'https://evil.example/', ['video'])).toBe(false)
    expect(ask('geolocation', rec.mainFrame.url)).toBe(false)
  })

  it('registers the image protocol as a privileged scheme instead of file://', () => {
    expect(rec.schemes.map((s) => s.scheme)).toContain('ds-image')
  })

  it('ships a CommonJS preload that needs nothing but electron and exposes named functions only', () => {
    const code = readFileSync(preloadBundle, 'utf8')
    expect(code).not.toMatch(/^\s*import\s/m)
    const required: string[] = []
    let exposed: Record<string, Record<string, unknown>> = {}
    const invoked: Array<[string, unknown]> = []
    const electron = {
      contextBridge: { exposeInMainWorld: (name: string, value: any) => { expect(name).toBe('defectStudio'); exposed = value } },
      webUtils: { getPathForFile: () => '/dropped/file.png' },
      ipcRenderer: { invoke: (channel: string, payload: unknown) => { invoked.push([channel, payload]); return Promise.resolve() }, on: vi.fn(), removeListener: vi.fn() }
    }
    const module = { exports: {} }
    runInNewContext(code, {
      File: class File {},
      require: (name: string) => { required.push(name); if (name === 'electron') return electron; throw new Error(`sandboxed preload cannot require ${name}`) },
      module,
      exports: module.exports,
      console
    })
    expect(new Set(required)).toEqual(new Set(['electron']))
    const expected = preloadApiShape(Object.keys(channels), Object.keys(events))
    const names = Object.entries(exposed).flatMap(([domain, fns]) => Object.keys(fns).map((n) => `${domain}.${n}`))
    // The contract's functions, plus the one file helper for drag-and-drop import.
    expect(names.sort()).toEqual([...expected.map((e) => `${e.domain}.${e.name}`), 'files.pathForFile'].sort())
    expect(names.some((n) => /invoke|send|ipc/i.test(n))).toBe(false)
    ;(exposed.app!.ping as (p: unknown) => unknown)({ echo: 'hi' })
    expect(invoked).toEqual([['app:ping', { echo: 'hi' }]])
  })
})
