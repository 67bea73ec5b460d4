import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import LabelView from '../../renderer/src/views/LabelView.vue'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { statusFixture, withFakeApi } from './helpers'

/** A tiny in-memory project behind the fake transport, answering as the project service's handlers do. */
function fakeProject(n: number) {
  const classes = [
    { id: 1, name: 'ok', colour: '#3cb44b', order: 0, isGood: true, count: 0, train: 0, val: 0 },
    { id: 2, name: 'scratch', colour: '#e6194b', order: 1, isGood: false, count: 0, train: 0, val: 0 }
  ]
  const images = Array.from({ length: n }, (_, i) => ({
    id: i + 1, sha256: `s${i}`, width: 64, height: 64, format: 'png', byteSize: 100, originalName: `part-${i + 1}.png`,
    importedAt: '2026-11-28T22:00:00Z', classId: null as number | null, split: (i % 5 === 0 ? 'val' : 'train') as 'train' | 'val'
  }))
  const actions: Array<Array<{ id: number; old: number | null }>> = []
  const counted = () => classes.map((c) => ({ ...c, count: images.filter((im) => im.classId === c.id).length }))
  const handlers = {
    'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
    'classes:list': () => counted(),
    'images:list': ({ offset = 0, limit = 200 }: { offset?: number; limit?: number }) => ({ items: images.slice(offset, offset + limit), total: images.length }),
    'images:set-label': ({ imageIds, classId }: { imageIds: number[]; classId: number | null }) => {
      actions.push(imageIds.map((id) => ({ id, old: images[id - 1]!.classId })))
      for (const id of imageIds) images[id - 1]!.classId = classId
      return { changed: imageIds.length, actionId: actions.length }
    },
    'images:undo-label': () => {
      const last = actions.pop()
      for (const { id, old } of last ?? []) images[id - 1]!.classId = old
      return { undone: !!last, imageIds: (last ?? []).map((x) => x.id) }
    },
    'classes:create': ({ name }: { name: string }) => {
      classes.push({ id: classes.length + 1, name, colour: '#4363d8', order: classes.length, isGood: false, count: 0, train: 0, val: 0 })
      return counted()
    },
    'classes:delete': ({ id }: { id: number }) => {
      const unlabelled = images.filter((im) => im.classId === id).length
      for (const im of images) if (im.classId === id) im.classId = null
      classes.splice(classes.findIndex((c) => c.id === id), 1)
      return { unlabelled, classes: counted() }
    },
    'images:import-folder': ({ folder }: { folder: string }) => {
      if (folder === '/missing') throw new Error('Folder "/missing" does not exist: check the path.')
      return { importId: 'i1', imported: 2, duplicates: [], rejected: [{ file: '/d/broken.png', reason: 'truncated PNG: re-export the file', code: 'decode' }], skipped: [], total: 3, cancelled: false, layout: 'flat', classesCreated: [] }
    }
  }
  return { images, classes, handlers }
}

// The view listens on window for shortcuts: unmount each test's view so none outlives it.
let mounted: { unmount(): void } | null = null
afterEach(() => {
  mounted?.unmount()
  mounted = null
})

async function mountLabel(n = 30) {
  const project = fakeProject(n)
  const { fake, global } = withFakeApi(project.handlers)
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  await router.push('/label')
  const wrapper = mount(LabelView, { global: { ...global, plugins: [...global.plugins, router] }, attachTo: document.body })
  mounted = wrapper
  await useAppStatusStore().load()
  await flushPromises()
  return { wrapper, fake, project, router }
}

const tile = (wrapper: Awaited<ReturnType<typeof mountLabel>>['wrapper'], id: number) => wrapper.get(`[data-testid="label-tile"][data-image-id="${id}"]`)

describe('label view', () => {
  it('labels with digit keys, auto-advances, and undoes the last action', async () => {
    const { wrapper, fake, project } = await mountLabel()
    const grid = wrapper.get('[data-testid="label-grid"]')
    await tile(wrapper, 1).trigger('click')
    await grid.trigger('keydown', { key: '2' })
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'images:set-label')?.payload).toEqual({ imageIds: [1], classId: 2 })
    expect(tile(wrapper, 1).get('[data-testid="tile-class"]').text()).toBe('scratch')
    // Auto-advance: the cursor and selection moved to the next image.
    expect(tile(wrapper, 2).classes()).toContain('cursor')
    await grid.trigger('keydown', { key: '1' })
    await flushPromises()
    expect(project.images[1]!.classId).toBe(1)
    expect(wrapper.get('[data-testid="class-count-ok"]').text()).toBe('1')

    await grid.trigger('keydown', { key: 'z', ctrlKey: true })
    await flushPromises()
    expect(project.images[1]!.classId).toBeNull()
    expect(tile(wrapper, 2).text()).toContain('unlabelled')
    expect(tile(wrapper, 1).text()).toContain('scratch')
  })

  it('labels a shift-selected range at once', async () => {
    const { wrapper, fake } = await mountLabel()
    await tile(wrapper, 3).trigger('click')
    await tile(wrapper, 6).trigger('click', { shiftKey: true })
    await tile(wrapper, 8).trigger('click', { ctrlKey: true })
    expect(wrapper.get('[data-testid="label-selected-count"]').text()).toBe('5 selected')
    await wrapper.get('[data-testid="label-grid"]').trigger('keydown', { key: '2' })
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'images:set-label')?.payload).toEqual({ imageIds: [3, 4, 5, 6, 8], classId: 2 })
  })

  it('filters unlabelled images, and a labelled image leaves the list with the cursor on the next', async () => {
    const { wrapper } = await mountLabel(10)
    await wrapper.get('[data-testid="filter-label"]').setValue('unlabelled')
    expect(wrapper.get('[data-testid="filter-count"]').text()).toBe('10 of 10 images')
    await tile(wrapper, 4).trigger('click')
    await wrapper.get('[data-testid="label-grid"]').trigger('keydown', { key: '1' })
    await flushPromises()
    expect(wrapper.get('[data-testid="filter-count"]').text()).toBe('9 of 10 images')
    expect(wrapper.find('[data-testid="label-tile"][data-image-id="4"]').exists()).toBe(false)
    expect(tile(wrapper, 5).classes()).toContain('cursor')
    await wrapper.get('[data-testid="filter-split"]').setValue('val')
    expect(wrapper.get('[data-testid="filter-count"]').text()).toBe('2 of 10 images') // ids 1 and 6 (4 is labelled now)
  })

  it('says which class a digit lacks instead of failing silently', async () => {
    const { wrapper, fake } = await mountLabel()
    await tile(wrapper, 1).trigger('click')
    await wrapper.get('[data-testid="label-grid"]').trigger('keydown', { key: '7' })
    await flushPromises()
    expect(wrapper.get('[data-testid="label-error"]').text()).toContain('There is no class 7')
    expect(fake.calls.some((c) => c.channel === 'images:set-label')).toBe(false)
  })

  it('opens the viewer with Enter, labels inside it and zooms', async () => {
    const { wrapper } = await mountLabel()
    await tile(wrapper, 2).trigger('click')
    await wrapper.get('[data-testid="label-grid"]').trigger('keydown', { key: 'Enter' })
    const viewer = wrapper.get('[data-testid="label-viewer"]')
    expect(viewer.get('[data-testid="viewer-image"]').attributes('src')).toMatch(/^fake-image:\/\/2\?v=/)
    await viewer.get('[data-testid="viewer-zoom-in"]').trigger('click')
    expect(viewer.get('[data-testid="viewer-zoom"]').text()).toBe('125%')
    await viewer.trigger('keydown', { key: '2' })
    await flushPromises()
    // Labelled, and the viewer moved on to the next image.
    expect(wrapper.get('[data-testid="viewer-image"]').attributes('src')).toMatch(/^fake-image:\/\/3\?v=/)
    await wrapper.get('[data-testid="label-viewer"]').trigger('keydown', { key: 'Escape' })
    expect(wrapper.find('[data-testid="label-viewer"]').exists()).toBe(false)
    expect(tile(wrapper, 2).text()).toContain('scratch')
  })

  it('adds a class and deletes one after confirming with its image count', async () => {
    const { wrapper, project } = await mountLabel()
    await wrapper.get('[data-testid="class-new-name"]').setValue('crack')
    await wrapper.get('[data-testid="class-add"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="class-row-crack"]').text()).toContain('3')
    await tile(wrapper, 1).trigger('click')
    await tile(wrapper, 2).trigger('click', { shiftKey: true })
    await wrapper.get('[data-testid="label-grid"]').trigger('keydown', { key: '2' })
    await flushPromises()
    await wrapper.get('[data-testid="class-delete-scratch"]').trigger('click')
    expect(wrapper.get('[data-testid="class-confirm"]').text()).toContain('Its 2 labelled images become unlabelled')
    await wrapper.get('[data-testid="class-confirm-yes"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="class-row-scratch"]').exists()).toBe(false)
    expect(project.images[0]!.classId).toBeNull()
  })

  it('imports a folder and lists the rejected files with reasons, or says what went wrong', async () => {
    const { wrapper } = await mountLabel(0)
    expect(wrapper.get('[data-testid="label-no-images"]').text()).toContain('No images yet')
    await wrapper.get('[data-testid="import-folder-path"]').setValue('/d')
    await wrapper.get('[data-testid="import-folder-start"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="import-imported"]').text()).toBe('2 imported')
    expect(wrapper.get('[data-testid="import-rejected"]').text()).toContain('/d/broken.png: truncated PNG')
    await wrapper.get('[data-testid="import-folder-path"]').setValue('/missing')
    await wrapper.get('[data-testid="import-folder-start"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="import-error"]').text()).toContain('does not exist')
  })
})

describe('label view shortcuts without a grid', () => {
  it('undoes with Ctrl+Z even when the filter leaves no image on screen', async () => {
    const { wrapper, project } = await mountLabel(3)
    await wrapper.get('[data-testid="filter-label"]').setValue('unlabelled')
    await tile(wrapper, 1).trigger('click')
    for (let i = 0; i < 3; i++) {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: '1' }))
      await flushPromises()
    }
    expect(wrapper.find('[data-testid="label-no-match"]').exists()).toBe(true)
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true }))
    await flushPromises()
    expect(wrapper.get('[data-testid="filter-count"]').text()).toBe('1 of 3 images')
    expect(project.images.filter((i) => i.classId === null)).toHaveLength(1)
  })
})
