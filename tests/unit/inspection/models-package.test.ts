import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ModelPackageError, readModelPackage, writeModelPackage, type ModelPackage } from '../../../electron/services/inspection/models-package'

let dir: string
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ds-pkg-'))))
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const pkg: ModelPackage = {
  header: {
    kind: 'classifier',
    architecture: 'resnet18',
    classes: [{ name: 'ok', good: true }, { name: 'scratch', good: false }],
    preprocessing: { size: 64, fit: 'whole', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    threshold: 0.7,
    metrics: { accuracy: 0.95 },
    config: { width: 0.25 },
    source: { project: 'line1', version: 3, exportedAt: '2026-11-28T00:00:00.000Z', appVersion: '0.1.0' }
  },
  blobs: { 'model.onnx': new Uint8Array([8, 1, 2, 3, 4, 5]) }
}

describe('model package format', () => {
  it('round-trips model, classes, preprocessing and threshold in one file', async () => {
    const file = join(dir, 'm.dsmodel')
    await writeModelPackage(file, pkg)
    const back = await readModelPackage(file)
    expect(back.header).toEqual(pkg.header)
    expect(Array.from(back.blobs['model.onnx']!)).toEqual([8, 1, 2, 3, 4, 5])
  })

  it('refuses damaged, truncated and foreign files with a clear message', async () => {
    const file = join(dir, 'm.dsmodel')
    await writeModelPackage(file, pkg)
    const bytes = readFileSync(file)
    const damaged = Buffer.from(bytes)
    damaged[damaged.length - 1] ^= 0xff
    writeFileSync(join(dir, 'd'), damaged)
    await expect(readModelPackage(join(dir, 'd'))).rejects.toThrow(/checksum/)
    writeFileSync(join(dir, 't'), bytes.subarray(0, bytes.length - 3))
    await expect(readModelPackage(join(dir, 't'))).rejects.toThrow(/truncated/)
    writeFileSync(join(dir, 'f'), Buffer.from('PK\u0003\u0004 zip file'))
    await expect(readModelPackage(join(dir, 'f'))).rejects.toThrow(ModelPackageError)
    await expect(readModelPackage(join(dir, 'missing'))).rejects.toThrow(/cannot be read/)
  })
})
