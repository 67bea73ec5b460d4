import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { createProject } from '../../../electron/store/project-store'

/**
 * A project with `count` images written straight through the store's repositories (one
 * transaction): the grid test needs 20,000 images, and importing that many files would
 * spend a CI minute on what the import tests already cover. Every image is a small real
 * PNG (two shades, so thumbnails are distinguishable), its own row, thumbnail and label.
 */
export async function makeBigProject(file: string, count: number): Promise<void> {
  const shades = await Promise.all(
    [40, 200].map((v) => sharp({ create: { width: 16, height: 16, channels: 3, background: { r: v, g: v, b: v } } }).png().toBuffer())
  )
  const store = createProject(file)
  try {
    store.transaction(() => {
      const ids: number[] = []
      for (let i = 0; i < count; i++) {
        const bytes = shades[i % 2]!
        const added = store.images.add({
          // Unique per row (the store deduplicates by hash); the bytes repeat on purpose.
          sha256: createHash('sha256').update(`image-${i}`).digest('hex'),
          bytes,
          width: 16,
          height: 16,
          channels: 3,
          format: 'png',
          originalName: `part-${String(i).padStart(5, '0')}.png`,
          thumbnail: { mime: 'image/png', width: 16, height: 16, bytes }
        })
        if (added.status !== 'imported') throw new Error(`big project: image ${i} was not stored (${added.status})`)
        ids.push(added.id)
      }
      // Label two thirds in one action (one label-history action id, as a bulk label would).
      const ok = store.classes.ensure('ok').id
      const scratch = store.classes.ensure('scratch').id
      const changes: Array<{ imageId: number; classId: number }> = []
      ids.forEach((imageId, i) => {
        if (i % 3 !== 0) changes.push({ imageId, classId: i % 3 === 1 ? ok : scratch })
      })
      store.labels.applyChanges(changes, store.labels.nextActionId(), 'import')
    })
  } finally {
    store.close()
  }
}
