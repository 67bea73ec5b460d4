import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * Where a worker thread's code is, and how to start it: the built bundle (electron-vite
 * builds each worker entry as out/main/<bundle>.js, electron.vite.config.ts) when this module
 * runs from a bundle, else the TypeScript source through tsx's loader (tests, `tsx` scripts).
 */

export interface WorkerEntry {
  file: string
  viaTsx: boolean
}

/**
 * `bundle`: the entry's name in electron.vite.config.ts (out/main/<bundle>.js); `source`: its
 * TypeScript file as a path relative to this module's folder (electron/engine/).
 */
export function resolveWorkerEntry(bundle: string, source: string): WorkerEntry {
  const self = fileURLToPath(import.meta.url)
  const here = dirname(self)
  // Built: this module is bundled into out/main/*.js (or a shared chunk in out/main/chunks/).
  if (!self.endsWith('.ts')) {
    for (const built of [join(here, `${bundle}.js`), join(here, '..', `${bundle}.js`)]) {
      if (existsSync(built)) return { file: built, viaTsx: false }
    }
  }
  return { file: join(here, source), viaTsx: true }
}

/** Start the worker thread of `entry` (a .ts entry through tsx's ESM loader). */
export function startWorker(entry: WorkerEntry, options: WorkerOptions): Worker {
  if (!entry.viaTsx) return new Worker(entry.file, options)
  return new Worker(`import(${JSON.stringify(tsxEsmApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(entry.file).href)}) })`, { ...options, eval: true })
}

function tsxEsmApiUrl(): string {
  const req = createRequire(import.meta.url)
  const pkgFile = req.resolve('tsx/package.json')
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> }
  return pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href
}
