import { basename, resolve, sep } from 'node:path'

/**
 * Browser mode stores each upload under `<upload dir>/<n>/<name>` (or
 * `<upload dir>/batch-<id>/<picked folder>/…`, electron/server/uploads.ts). Reports and the
 * image's recorded source show the user's own name instead of that server path: the part
 * after the numbered or batch folder. Paths elsewhere are shown as they are.
 */
export function uploadDisplayName(uploadDir: string): (file: string) => string {
  const root = resolve(uploadDir) + sep
  return (file: string): string => {
    const abs = resolve(file)
    if (!abs.startsWith(root)) return file
    const rest = abs.slice(root.length).split(sep).slice(1)
    return rest.length > 0 ? rest.join('/') : basename(file)
  }
}
