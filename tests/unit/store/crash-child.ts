/**
 * Child process for crash.test.ts: imports a folder into a project and then keeps
 * relabelling images, printing one line per committed write, until it is SIGKILLed.
 * Run (the test bundles it first): node --import tsx tests/unit/store/crash-child.ts <project> <folder> <seed>
 */
import { importImages } from '../../../electron/services/import-service'
import { openOrCreateProject } from '../../../electron/store/project-store'

const [project, folder, seedArg] = process.argv.slice(2) as [string, string, string]
let seed = Number(seedArg) >>> 0
const rand = (): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
  return seed / 4294967296
}

const { store } = openOrCreateProject(project)
process.stdout.write('ready\n')
let committed = 0
await importImages(store, { kind: 'folder', folder }, {
  concurrency: 2,
  onCommitted: () => {
    committed++
    process.stdout.write(`image ${committed}\n`)
  }
})
process.stdout.write('imported\n')
// Label writes until killed: batches of 1-5 images moved to a random class, some undone.
const classes = store.classes.list()
for (let i = 0; ; i++) {
  const page = store.images.list({}, { offset: Math.floor(rand() * Math.max(1, store.images.count() - 5)), limit: 1 + Math.floor(rand() * 5) })
  const target = classes[Math.floor(rand() * classes.length)]!
  store.labels.set(
    page.items.map((it) => it.id),
    target.id,
    'user'
  )
  if (rand() < 0.2) store.labels.undoLast()
  process.stdout.write(`label ${i}\n`)
  // Yield so the parent's kill can land between as well as inside writes.
  if (i % 10 === 0) await new Promise((r) => setImmediate(r))
}
