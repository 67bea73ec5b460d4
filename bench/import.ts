/**
 * Import benchmark (`npm run bench:import`, options after `--`):
 *   --count N   images to import (default 2000)
 *   --width W --height H   image size (default 1280 × 960, JPEG quality 92)
 * Generates the set once into the temp folder (reused by later runs), imports it into a
 * fresh project and prints images/s, store size against source size, and peak memory.
 */
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { importImages } from '../electron/services/import-service'
import { createProject } from '../electron/store/project-store'
import { generateSyntheticSet } from '../tests/support/synthetic-defects'

const { values } = parseArgs({ options: { count: { type: 'string' }, width: { type: 'string' }, height: { type: 'string' } } })
const count = Number(values.count ?? 2000)
const width = Number(values.width ?? 1280)
const height = Number(values.height ?? 960)

async function folderBytes(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0
  let bytes = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    files++
    bytes += (await stat(join(entry.parentPath, entry.name))).size
  }
  return { files, bytes }
}

async function main(): Promise<void> {
  // 20:1 good to defect, like a real line: mostly 'ok', the rest split over four defects.
  const defects = Math.max(4, Math.round(count / 21))
  const counts = { ok: count - defects, scratch: Math.ceil(defects / 4), spot: Math.ceil(defects / 4), crack: Math.ceil(defects / 4), dent: defects - 3 * Math.ceil(defects / 4) }
  const source = join(tmpdir(), `defect-studio-bench-import-${count}-${width}x${height}`)
  const marker = join(source, '.complete')
  if (!existsSync(marker)) {
    const t = performance.now()
    await rm(source, { recursive: true, force: true })
    await generateSyntheticSet({ root: source, seed: 1, counts, width, height, format: 'jpeg', colour: 'mixed', layout: 'imagefolder' })
    const { writeFile } = await import('node:fs/promises')
    await writeFile(marker, '')
    console.log(`generated ${count} images in ${((performance.now() - t) / 1000).toFixed(1)} s into ${source}`)
  } else console.log(`reusing ${source}`)
  const src = await folderBytes(source)

  const dir = await mkdtemp(join(tmpdir(), 'ds-bench-import-'))
  const file = join(dir, 'bench.dsproj')
  const store = createProject(file)
  let peakRss = process.memoryUsage().rss
  const baseRss = peakRss
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50)
  const t0 = performance.now()
  const report = await importImages(store, { kind: 'folder', folder: source })
  const seconds = (performance.now() - t0) / 1000
  clearInterval(sampler)
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
  const walBytes = existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0
  store.close()
  const storeBytes = statSync(file).size

  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`
  console.log(`images:        ${report.imported} imported, ${report.duplicates.length} duplicates, ${report.rejected.length} rejected of ${src.files - 1} files (${width}×${height} JPEG)`)
  console.log(`throughput:    ${(report.imported / seconds).toFixed(1)} images/s (${seconds.toFixed(1)} s)`)
  console.log(`store size:    ${mb(storeBytes)} vs source ${mb(src.bytes)} = ${(storeBytes / src.bytes).toFixed(3)}× (WAL before close ${mb(walBytes)})`)
  console.log(`peak RSS:      ${mb(peakRss)} during import (${mb(baseRss)} before it)`)
  await rm(dir, { recursive: true, force: true })
}

await main()
