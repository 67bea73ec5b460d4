import { realpath } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * The real path a file or folder has, or will have once created: the nearest existing
 * ancestor's real path plus the names still missing. `/dir/./p.dsproj`,
 * `/link-to-dir/p.dsproj` and `/dir/p.dsproj` all give the same answer, so comparisons see
 * through dots, `..` and symbolic links.
 */
export async function realTarget(path: string): Promise<string> {
  const missing: string[] = []
  let current = path
  for (;;) {
    try {
      const real = await realpath(current)
      return missing.length ? join(real, ...missing.reverse()) : real
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT') throw error
      const parent = dirname(current)
      if (parent === current) return path
      missing.push(basename(current))
      current = parent
    }
  }
}
