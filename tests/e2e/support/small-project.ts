import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { createProject } from '../../../electron/store/project-store'

/**
 * A small project written straight through the store: `count` unlabelled grey images
 * (each its own shade, so each is its own picture) and the given classes, the first one
 * marked good. For screens that need a project, not an import.
 */
export async function makeSmallProject(file: string, opts: { count: number; classes: string[]; labelled?: Record<string, number> }): Promise<void> {
  const store = createProject(file)
  try {
    const images = await Promise.all(
      Array.from({ length: opts.count }, (_, i) =>
        sharp({ create: { width: 24, height: 24, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: 128 } } }).png().toBuffer()
      )
    )
    store.transaction(() => {
      const ids = images.map((bytes, i) => {
        const added = store.images.add({
          sha256: createHash('sha256').update(bytes).update(String(i)).digest('hex'),
          bytes,
          width: 24,
          height: 24,
          channels: 3,
          format: 'png',
          originalName: `part-${String(i + 1).padStart(3, '0')}.png`,
          thumbnail: { mime: 'image/png', width: 24, height: 24, bytes }
        })
        if (added.status !== 'imported') throw new Error(`small project: image ${i} was not stored (${added.status})`)
        return added.id
      })
      const classIds = opts.classes.map((name) => store.classes.ensure(name).id)
      store.classes.update(classIds[0]!, { isGood: true })
      // Label the first images of each class as asked, in class order.
      const changes: Array<{ imageId: number; classId: number }> = []
      let next = 0
      opts.classes.forEach((name, c) => {
        for (let k = 0; k < (opts.labelled?.[name] ?? 0); k++) changes.push({ imageId: ids[next++]!, classId: classIds[c]! })
      })
      if (changes.length) store.labels.applyChanges(changes, store.labels.nextActionId(), 'import')
    })
  } finally {
    store.close()
  }
}
