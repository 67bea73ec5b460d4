import { createHash } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { z } from 'zod'

/**
 * Model package: one file that carries a trained model between line PCs
 * (`defect-studio models export|import`). Layout (little-endian, like safetensors):
 *
 *   8 bytes  magic "DSMODEL1"
 *   8 bytes  header length H (uint64)
 *   H bytes  JSON header: kind, architecture, classes, preprocessing, threshold, metrics,
 *            and for each blob its offset/length/sha256 within the data section
 *   ...      data section: the blobs ("model.onnx" always; anomaly models may add more)
 *
 * Checksums are verified on read, so a truncated or altered file is refused with a clear
 * message instead of producing wrong verdicts on the line.
 */

const MAGIC = Buffer.from('DSMODEL1', 'latin1')
const MAX_HEADER = 16 * 1024 * 1024

export const ModelPackageHeader = z.object({
  format: z.literal('defect-studio-model'),
  formatVersion: z.literal(1),
  kind: z.enum(['classifier', 'anomaly']),
  architecture: z.string().min(1).max(200),
  /** Classes in the model's output order; exactly one is the good class. */
  classes: z.array(z.object({ name: z.string().min(1).max(200), good: z.boolean() })).max(1000),
  preprocessing: z.object({
    size: z.number().int().min(8).max(4096),
    fit: z.enum(['crop', 'whole']),
    /** Per input channel: 3 (RGB, ImageNet) or 1 (a one-channel grey model, imaging/preprocess.ts GREY_MEAN / GREY_STD). */
    mean: z.array(z.number()).min(1).max(3),
    std: z.array(z.number()).min(1).max(3)
  }),
  threshold: z.number().nullable(),
  metrics: z.record(z.string(), z.unknown()).default({}),
  config: z.record(z.string(), z.unknown()).default({}),
  source: z.object({ project: z.string().nullable(), version: z.number().int().nullable(), exportedAt: z.string(), appVersion: z.string() }),
  blobs: z.record(z.string(), z.object({ offset: z.number().int().min(0), length: z.number().int().min(0), sha256: z.string().length(64) }))
})
export type ModelPackageHeader = z.infer<typeof ModelPackageHeader>

export interface ModelPackage {
  header: Omit<ModelPackageHeader, 'blobs' | 'format' | 'formatVersion'>
  /** "model.onnx" is required. */
  blobs: Record<string, Uint8Array>
}

export class ModelPackageError extends Error {
  constructor(file: string, reason: string) {
    super(`"${file}" is not a usable model package: ${reason}. Export it again with "defect-studio models export" on the source PC.`)
    this.name = 'ModelPackageError'
  }
}

export function encodeModelPackage(pkg: ModelPackage): Buffer {
  if (!pkg.blobs['model.onnx']) throw new Error('encodeModelPackage: the package needs a "model.onnx" blob')
  const goodCount = pkg.header.classes.filter((c) => c.good).length
  if (pkg.header.kind === 'classifier' && goodCount !== 1) throw new Error(`encodeModelPackage: a classifier needs exactly one good class, got ${goodCount}`)
  const blobs: ModelPackageHeader['blobs'] = {}
  let offset = 0
  const parts: Uint8Array[] = []
  for (const [name, bytes] of Object.entries(pkg.blobs)) {
    blobs[name] = { offset, length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
    parts.push(bytes)
    offset += bytes.length
  }
  const header: ModelPackageHeader = { format: 'defect-studio-model', formatVersion: 1, ...pkg.header, blobs }
  const json = Buffer.from(JSON.stringify(header), 'utf8')
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(json.length))
  return Buffer.concat([MAGIC, len, json, ...parts])
}

export function decodeModelPackage(bytes: Uint8Array, file = 'model package'): ModelPackage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) throw new ModelPackageError(file, 'it does not start with the Defect Studio model signature')
  const headerLength = Number(buf.readBigUInt64LE(8))
  if (headerLength <= 0 || headerLength > MAX_HEADER || 16 + headerLength > buf.length) throw new ModelPackageError(file, 'its header is truncated')
  let header: ModelPackageHeader
  try {
    header = ModelPackageHeader.parse(JSON.parse(buf.toString('utf8', 16, 16 + headerLength)))
  } catch (error) {
    throw new ModelPackageError(file, `its header is invalid (${(error as Error).message.split('\n')[0]})`)
  }
  const dataStart = 16 + headerLength
  const blobs: Record<string, Uint8Array> = {}
  for (const [name, b] of Object.entries(header.blobs)) {
    const start = dataStart + b.offset
    if (start + b.length > buf.length) throw new ModelPackageError(file, `blob "${name}" is truncated`)
    const data = new Uint8Array(buf.subarray(start, start + b.length))
    if (createHash('sha256').update(data).digest('hex') !== b.sha256) throw new ModelPackageError(file, `blob "${name}" fails its checksum (file damaged in transfer?)`)
    blobs[name] = data
  }
  if (!blobs['model.onnx']) throw new ModelPackageError(file, 'it holds no model.onnx')
  const { blobs: _b, format: _f, formatVersion: _v, ...rest } = header
  return { header: rest, blobs }
}

export async function writeModelPackage(file: string, pkg: ModelPackage): Promise<number> {
  const bytes = encodeModelPackage(pkg)
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, bytes)
  await rename(tmp, file)
  return bytes.length
}

export async function readModelPackage(file: string): Promise<ModelPackage> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    throw new ModelPackageError(file, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  return decodeModelPackage(bytes, file)
}
