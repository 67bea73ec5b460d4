import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyDecodes } from '../../../electron/imaging/decode'
import { importImages } from '../../../electron/services/import-service'
import { openProject } from '../../../electron/store/project-store'
import { generateSyntheticSet, mulberry32 } from '../../support/synthetic-defects'
import { connectionOf } from '../../support/store-connection'

/**
 * Kill -9 an importing (then relabelling) child at random, logged moments, at least 20
 * times. After every kill the project must open, pass integrity_check, hold only whole
 * images that decode and match their hash, and keep labels consistent with their history.
 * At the end a re-import completes the set.
 */
const KILLS = 22
const ROOT = process.cwd()
let dir: string
let source: string
let sourceShas: Set<string>
let childScript: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-crash-'))
  source = join(dir, 'source')
  const { files } = await generateSyntheticSet({ root: source, seed: 11, counts: { ok: 40, scratch: 10, spot: 10, crack: 10, dent: 10 }, layout: 'imagefolder', colour: 'mixed', mixedSizes: true })
  // The child is bundled once (natives stay external) so each of the many spawns starts in
  // plain node, not through tsx's compiler: ~1 s instead of ~3 s per kill on a busy CI box.
  // It sits under node_modules/.cache so 'sharp' and 'better-sqlite3' resolve from there.
  childScript = join(ROOT, 'node_modules', '.cache', 'defect-studio-tests', `crash-child-${process.pid}.mjs`)
  await build({
    entryPoints: [join(ROOT, 'tests/unit/store/crash-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['sharp', 'better-sqlite3'],
    outfile: childScript,
    logLevel: 'error'
  })
  sourceShas = new Set(await Promise.all(files.map(async (f) => createHash('sha256').update(await readFile(f.path)).digest('hex'))))
  process.env.DEFECT_STUDIO_DATA_DIR = join(dir, 'data')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
  if (childScript) await rm(childScript, { force: true })
})

/**
 * When to kill: during the import, right after the child reports its `images`-th new image
 * (plus `delayMs`, so the kill can land inside the next write); or in the relabelling loop,
 * `delayMs` after the import is done. Kills are tied to the child's progress, not to wall
 * time, so they land where intended on a fast idle machine and on a loaded one alike.
 */
type KillPlan = { phase: 'import'; images: number; delayMs: number } | { phase: 'labels'; delayMs: number }

function runAndKill(project: string, plan: KillPlan, seed: number): Promise<{ lastLine: string; lines: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, project, source, String(seed)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let buffered = ''
    let lastLine = ''
    let lines = 0
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const parts = buffered.split('\n')
      buffered = parts.pop()!
      for (const line of parts) {
        lastLine = line
        lines++
        const due =
          plan.phase === 'import' ? line === `image ${plan.images}` : line === 'imported'
        if (due && !timer) timer = setTimeout(() => child.kill('SIGKILL'), plan.delayMs)
      }
    })
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ lastLine, lines })
      else reject(new Error(`child exited by itself (code ${code}): ${stderr.slice(-2000)}`))
    })
  })
}

async function checkProject(project: string): Promise<{ images: number }> {
  const store = openProject(project)
  try {
    expect(store.integrityCheck()).toBe('ok')
    expect(connectionOf(store).pragma('foreign_key_check')).toEqual([])
    const count = (sql: string) => (connectionOf(store).prepare(sql).get() as { n: number }).n
    const images = count('SELECT count(*) AS n FROM images')
    // Whole images only: every image has its bytes and its thumbnail, nothing dangles.
    expect(count('SELECT count(*) AS n FROM image_data')).toBe(images)
    expect(count('SELECT count(*) AS n FROM thumbnails')).toBe(images)
    expect(count('SELECT count(DISTINCT sha256) AS n FROM images')).toBe(images)
    // Every labelled image has a split, and its label equals the last history entry.
    expect(count('SELECT count(*) AS n FROM labels l LEFT JOIN splits s ON s.image_id = l.image_id WHERE s.image_id IS NULL')).toBe(0)
    expect(
      count(`SELECT count(*) AS n FROM images i LEFT JOIN labels l ON l.image_id = i.id
             WHERE coalesce(l.class_id, -1) <> coalesce((SELECT new_class_id FROM label_history h WHERE h.image_id = i.id ORDER BY h.id DESC LIMIT 1), -1)`)
    ).toBe(0)
    const decodes: Array<Promise<boolean>> = []
    for (const img of store.images.iterateBytes()) {
      expect(createHash('sha256').update(img.bytes).digest('hex')).toBe(img.sha256)
      expect(sourceShas.has(img.sha256)).toBe(true)
      decodes.push(verifyDecodes(img.bytes))
    }
    expect((await Promise.all(decodes)).every(Boolean)).toBe(true)
    return { images }
  } finally {
    store.close()
  }
}

describe('crash safety (SIGKILL during image and label writes)', () => {
  it(`survives ${KILLS} kills at random points and a re-import completes the set`, async () => {
    const project = join(dir, 'crash.dsproj')
    const rng = mulberry32(2024)
    const log: string[] = []
    let sawLabelWrites = false
    let sawMidImport = false
    for (let i = 0; i < KILLS; i++) {
      // The first half lands inside the import (each run adds at most 6 images of the 80,
      // so the set is never complete before them); the second half in the relabelling loop.
      const plan: KillPlan =
        i < KILLS / 2
          ? { phase: 'import', images: 1 + Math.floor(rng() * 6), delayMs: Math.floor(rng() * 4) }
          : { phase: 'labels', delayMs: Math.round(rng() * 300) }
      const t0 = Date.now()
      const { lastLine, lines } = await runAndKill(project, plan, i + 1)
      const t1 = Date.now()
      const { images } = await checkProject(project)
      const when = plan.phase === 'import' ? `${plan.delayMs} ms after new image ${plan.images}` : `${plan.delayMs} ms into relabelling`
      log.push(`kill ${i + 1}: ${when}, ${lines} lines, last "${lastLine}", ${images} images stored (run ${t1 - t0} ms, check ${Date.now() - t1} ms)`)
      if (lastLine.startsWith('label')) sawLabelWrites = true
      if (lastLine.startsWith('image') && images < sourceShas.size) sawMidImport = true
    }
    console.log(log.join('\n'))
    expect(sawMidImport).toBe(true)
    expect(sawLabelWrites).toBe(true)
    const store = openProject(project)
    try {
      const report = await importImages(store, { kind: 'folder', folder: source })
      expect(report.rejected).toEqual([])
      expect(report.imported + report.duplicates.length).toBe(sourceShas.size)
      expect(store.images.count()).toBe(sourceShas.size)
    } finally {
      store.close()
    }
    await checkProject(project)
  }, 180_000)
})
