import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../electron/cli/index'
import { EXIT_CODE } from '../../../electron/cli/exit-codes'
import { WorkerCrashedError, WorkerHost, WorkerRequestError, WorkerUnavailableError } from '../../../electron/engine/worker-host'
import { createAppServices, type AppServices } from '../../../electron/services/app-services'
import { toCallError } from '../../../electron/services/error-codes'
import { StoreConflictError, StoreNotFoundError } from '../../../electron/store/errors'
import { CALL_ERROR_CODES } from '../../../shared/contract/define'
import { createTinyProject } from '../inspection/fixture'

/**
 * Errors cross every boundary with their contract code, decided by one mapping
 * (electron/services/error-codes.ts): a row that does not exist is `not-found` through the
 * router (IPC and browser mode), through the engine worker, and from the CLI (`--json`
 * `code` and the exit status), never the catch-all `failed`.
 */
const ctx = { trusted: true, origin: 'test' }
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-error-codes-'))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
  createTinyProject(dir).close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a not-found is not-found on every path', () => {
  it('through the router: a model version that does not exist (a store lookup no handler wraps)', async () => {
    const services: AppServices = await createAppServices({ mode: 'electron', startEngine: false })
    try {
      expect(await services.router.handle('projects:open', { path: join(dir, 'line.dsproj') }, ctx)).toMatchObject({ ok: true })
      const result = await services.router.handle('anomaly:recalibrate', { version: 99, targetFrr: 0.01 }, ctx)
      expect(result).toEqual({ ok: false, error: { code: 'not-found', message: 'Model version 99 was not found.' } })
      const image = await services.router.handle('images:get', { id: 12345 }, ctx)
      expect(image).toMatchObject({ ok: false, error: { code: 'not-found' } })
    } finally {
      await services.close()
    }
  })

  it('through the engine worker: the code crosses the thread with the error', async () => {
    const host = new WorkerHost()
    try {
      const error = await host.call('predict:images', { key: 'never-loaded', images: [], fit: 'whole' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(WorkerRequestError)
      expect(error).toMatchObject({ code: 'not-found', userFacing: true })
      expect(toCallError(error, 'engine:predict')).toEqual({ code: 'not-found', message: expect.stringMatching(/^No model is loaded under "never-loaded"/) })
    } finally {
      await host.dispose()
    }
  })

  it('from the CLI: --json carries the code and the exit status follows it', async () => {
    const out: string[] = []
    const err: string[] = []
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }
    const status = await runCli(['history', '--project', join(dir, 'line.dsproj'), '--correct', '999', '--verdict', 'FAIL', '--class', 'scratch', '--json'], io)
    expect(JSON.parse(out.at(-1)!)).toEqual({ error: 'Inspection 999 was not found.', code: 'not-found' })
    expect(status).toBe(EXIT_CODE['not-found'])
    expect(status).toBe(3)
  })

  it('from the CLI: activating a model version that does not exist is not-found (3), not wrong usage (2)', async () => {
    const out: string[] = []
    const io = { out: (s: string) => out.push(s), err: () => undefined }
    expect(await runCli(['models', '--project', join(dir, 'line.dsproj'), 'activate', '7', '--json'], io)).toBe(3)
    expect(JSON.parse(out.at(-1)!)).toEqual({ error: 'Model version 7 does not exist (see "defect-studio models --project FILE").', code: 'not-found' })
    // A version that is not a number is still wrong usage.
    expect(await runCli(['models', '--project', join(dir, 'line.dsproj'), 'activate', 'seven', '--json'], io)).toBe(2)
  })
})

describe('engine failures have their own codes, not failed', () => {
  it('a worker that dies during the request is engine-crashed; a worker that gave up is engine-unavailable', async () => {
    const host = new WorkerHost({ testHooks: true, maxRestarts: 0 })
    try {
      const crashed = await host.call('crash', { how: 'exit' }).catch((e: unknown) => e)
      expect(crashed).toBeInstanceOf(WorkerCrashedError)
      expect(toCallError(crashed, 'engine:predict')).toEqual({ code: 'engine-crashed', message: expect.stringMatching(/^The engine stopped unexpectedly while running "crash"/) })
      // No restarts allowed: the host has given up, and says so with its own code.
      await expect.poll(() => host.state).toBe('error')
      const unavailable = await host.call('ping', {}).catch((e: unknown) => e)
      expect(unavailable).toBeInstanceOf(WorkerUnavailableError)
      expect(toCallError(unavailable, 'engine:predict')).toEqual({ code: 'engine-unavailable', message: expect.stringMatching(/^The engine worker is not running/) })
    } finally {
      await host.dispose()
    }
  })

  it('the CLI exits 8 for engine-crashed and 9 for engine-unavailable', () => {
    expect(EXIT_CODE['engine-crashed']).toBe(8)
    expect(EXIT_CODE['engine-unavailable']).toBe(9)
    // Distinct statuses: a script can tell "try again" (crashed) from "fix the install" (unavailable) and from any other failure.
    expect(new Set(Object.values(EXIT_CODE)).size).toBe(Object.keys(EXIT_CODE).length - 2) // unknown-channel and untrusted-sender share 1 with failed
  })
})

describe('the mapping', () => {
  it('store errors keep their code and their message; an unexpected error is failed, one line, named by channel', () => {
    expect(toCallError(new StoreNotFoundError('Class 7'), 'classes:update')).toEqual({ code: 'not-found', message: 'Class 7 was not found.' })
    expect(toCallError(new StoreConflictError('A class named "x" already exists.'), 'classes:create')).toEqual({ code: 'conflict', message: 'A class named "x" already exists.' })
    const locked = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
    expect(toCallError(locked, 'images:set-label')).toMatchObject({ code: 'busy', message: expect.stringMatching(/^The project is busy/) })
    expect(toCallError(new TypeError('x is undefined\n    at stack'), 'images:list')).toEqual({ code: 'failed', message: '"images:list" failed: x is undefined' })
  })

  it('an error named like a store error is not one: classes decide, not names', () => {
    const impostor = new Error('Class 7 was not found.')
    impostor.name = 'StoreNotFoundError'
    expect(toCallError(impostor, 'classes:update').code).toBe('failed')
  })

  it('every contract code has a CLI exit status', () => {
    for (const code of CALL_ERROR_CODES) expect(EXIT_CODE[code], code).toBeGreaterThan(0)
  })
})
