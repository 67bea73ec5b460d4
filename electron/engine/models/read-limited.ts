import { constants } from 'node:fs'
import { open } from 'node:fs/promises'

/** A ResNet18 is 45 MiB in F32 (90 MiB in F64); anything far larger is not one. */
export const MAX_WEIGHTS_BYTES = 256 * 1024 * 1024
/** Same per-file limit as import (electron/store/README.md). */
export const MAX_IMAGE_FILE_BYTES = 512 * 1024 * 1024

/** Why a file was not read; the message never quotes the file's bytes. */
export class ReadLimitError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string
  ) {
    super(reason)
    this.name = 'ReadLimitError'
  }
}

/**
 * Read a whole regular file of at most maxBytes. The kind and size come from the open file
 * itself (fstat), so a path swapped after a check cannot slip a device through, and at most
 * the size seen is read: `/dev/zero`, a pipe or a growing file never grow the process.
 * O_NONBLOCK keeps a pipe with no writer from blocking the open. `what` names the file in
 * messages ("the weights file").
 */
export async function readRegularFile(file: string, maxBytes: number, what = 'the file'): Promise<Buffer> {
  let handle
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw new ReadLimitError(file, `cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'}). Check the path.`)
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new ReadLimitError(file, info.isDirectory() ? 'is a folder, not a file.' : 'is not a regular file (a device, pipe or socket).')
    if (info.size > maxBytes) throw new ReadLimitError(file, `is ${Math.round(info.size / 1024 / 1024)} MiB, more than the ${Math.round(maxBytes / 1024 / 1024)} MiB allowed.`)
    const bytes = Buffer.alloc(info.size)
    let offset = 0
    while (offset < bytes.length) {
      const { bytesRead } = await handle.read(bytes, offset, bytes.length - offset, offset)
      if (bytesRead === 0) break
      offset += bytesRead
    }
    return offset === bytes.length ? bytes : bytes.subarray(0, offset)
  } catch (error) {
    if (error instanceof ReadLimitError) throw error
    throw new ReadLimitError(file, `cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`)
  } finally {
    await handle.close()
  }
}
