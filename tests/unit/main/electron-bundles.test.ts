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
  protocolHandlers: Map<string, (request: { url: string }) => Promise<Response>>
  openExternal: string[]
  loaded: string[]
  webContentsId: number
  mainFrame: { url: string }
  dialogs: Array<{ type: 'open' | 'save'; options: any }>
}

const rec: Recorded = {
  windowOptions: [],
  handlers: new Map(),
  windowHandlers: new Map(),
  schemes: [],
  protocolHandlers: new Map(),
  openExternal: [],
  loaded: [],
  webContentsId: 7,
  mainFrame: { url: '' },
  dialogs: []
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
    loadURL(url: string) { rec.loaded.push(url); rec.mainFrame.url = url; return Promise.resolve() }
    loadFile(file: string) { rec.loaded.push('file://' + file); rec.mainFrame.url = 'file://' + file; return Promise.resolve() }
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
    shell: { openExternal: (url: string) => rec.openExternal.push(url) },
    dialog: {
      showOpenDialog: async (_window: unknown, options: any) => {
        rec.dialogs.push({ type: 'open', options })
        return { canceled: false, filePaths: ['/home/me/photos'] }
      },
      showSaveDialog: async (_window: unknown, options: any) => {
        rec.dialogs.push({ type: 'save', options })
        return { canceled: true }
      }
    },
    ipcMain: { handle: (channel: string, fn: any) => rec.handlers.set(channel, fn), removeHandler: vi.fn() },
    protocol: { registerSchemesAsPrivileged: (s: any[]) => rec.schemes.push(...s), handle: (scheme: string, fn: any) => rec.protocolHandlers.set(scheme, fn) }
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

  it('picks paths with the native dialog, for our own window only', async () => {
    const handler = rec.handlers.get('paths:pick')!
    const ours = { sender: { id: rec.webContentsId }, senderFrame: rec.mainFrame }
    const foreign = { sender: { id: rec.webContentsId }, senderFrame: { url: 'https://evil.example/' } }
    expect(await handler(foreign, { kind: 'folder' })).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } })
    expect(rec.dialogs).toEqual([])
    expect(await handler(ours, { kind: 'folder' })).toEqual({ ok: true, value: { path: '/home/me/photos' } })
    expect(rec.dialogs[0]).toMatchObject({ type: 'open', options: { properties: expect.arrayContaining(['openDirectory']) } })
    expect(await handler(ours, { kind: 'project', save: true, defaultName: 'line1.dsproj' })).toEqual({ ok: true, value: { path: null } })
    expect(rec.dialogs[1]).toMatchObject({ type: 'save', options: { defaultPath: 'line1.dsproj', filters: [{ extensions: ['dsproj'] }] } })
    expect(await handler(ours, { kind: 'anything' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
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

  // Issue 12 item 7: the renderer through app://, fuses, openExternal allow-list, camera.
  it('loads the renderer from app://defect-studio, never with loadFile or file://', async () => {
    expect(rec.loaded).toEqual(['app://defect-studio/index.html'])
    expect(rec.schemes.find((s) => s.scheme === 'app')).toMatchObject({ privileges: { standard: true, secure: true } })
    const serve = rec.protocolHandlers.get('app')!
    expect(serve).toBeTypeOf('function')
    const page = await serve({ url: 'app://defect-studio/index.html' })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await page.text()).toContain('<div id="app"')
    const route = await serve({ url: 'app://defect-studio/some/route' })
    expect(await route.text()).toContain('<div id="app"')
    for (const url of ['app://defect-studio/..%2f..%2f..%2f..%2fetc%2fpasswd', 'app://defect-studio/%2e%2e/main/index.js']) {
      const r = await serve({ url })
      expect(await r.text(), url).not.toMatch(/root:|createMainWindow|ipcMain/)
    }
    expect((await serve({ url: 'app://evil.example/index.html' })).status).toBe(404)
  })

  it('grants the camera to the packaged page URL (app://) and to no other', () => {
    const ask = (url: string, mediaTypes = ['video']) => {
      let granted: boolean | undefined
      rec.permissionHandler!({ getURL: () => url }, 'media', (ok) => (granted = ok), { requestingUrl: url, mediaTypes })
      return granted
    }
    expect(ask('app://defect-studio/index.html')).toBe(true)
    expect(ask('app://defect-studio/index.html#/inspect')).toBe(true)
    expect(ask('app://other/index.html')).toBe(false)
    expect(ask('file:///tmp/index.html')).toBe(false)
    expect(ask('app://defect-studio/index.html', ['audio'])).toBe(false)
  })

  it('opens only allow-listed https sites in the browser', () => {
    rec.openExternal.length = 0
    for (const url of ['https://github.com/defect-studio', 'https://evil.example/', 'http://github.com/', 'file:///etc/passwd', 'smb://host/share', 'https://user:pw@github.com/', 'ms-settings:privacy']) {
      expect(rec.openHandler!({ url })).toEqual({ action: 'deny' })
    }
    expect(rec.openExternal).toEqual(['https://github.com/defect-studio'])
  })

  it('packages with the fuses that keep the app from running as plain Node', () => {
    const yml = readFileSync(join(root, 'electron-builder.yml'), 'utf8')
    const fuses = yml.slice(yml.indexOf('electronFuses:'))
    for (const [fuse, value] of Object.entries({ runAsNode: false, enableNodeCliInspectArguments: false, enableNodeOptionsEnvironmentVariable: false, enableCookieEncryption: true, onlyLoadAppFromAsar: true, enableEmbeddedAsarIntegrityValidation: true, grantFileProtocolExtraPrivileges: false })) {
      expect(fuses, fuse).toMatch(new RegExp(`^\\s+${fuse}: ${value}$`, 'm'))
    }
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
