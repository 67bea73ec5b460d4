import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import LabelView from '../../renderer/src/views/LabelView.vue'
import ConfirmHost from '../../renderer/src/components/shell/ConfirmHost.vue'
import ToastHost from '../../renderer/src/components/shell/ToastHost.vue'
import { createAppI18n } from '../../renderer/src/i18n/index'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { statusFixture, withFakeApi } from './helpers'

/**
 * Destructive and undoable actions on the Label screen: delete asks in the confirmation
 * dialog, labelling several images (or changing a label) says so in a toast with Undo;
 * and the screen in Chinese.
 */
function fakeProject(n: number) {
  const classes = [
    { id: 1, name: 'free', colour: '#3cb44b', order: 0, isGood: true, count: 0, train: 0, val: 0 },
    { id: 2, name: 'scratch', colour: '#e6194b', order: 1, isGood: false, count: 0, train: 0, val: 0 }
  ]
  let images = Array.from({ length: n }, (_, i) => ({
    id: i + 1, sha256: `s${i}`, width: 64, height: 64, format: 'png', byteSize: 100, originalName: `part-${i + 1}.png`,
    importedAt: '2026-11-28T22:00:00Z', classId: null as number | null, split: 'train' as 'train' | 'val'
  }))
  const actions: Array<Array<{ id: number; old: number | null }>> = []
  const counted = () => classes.map((c) => ({ ...c, count: images.filter((im) => im.classId === c.id).length }))
  const handlers = {
    'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
    'classes:list': () => counted(),
    'images:list': ({ offset = 0, limit = 200 }: { offset?: number; limit?: number }) => ({ items: images.slice(offset, offset + limit), total: images.length }),
    'images:set-label': ({ imageIds, classId }: { imageIds: number[]; classId: number | null }) => {
      actions.push(imageIds.map((id) => ({ id, old: images.find((i) => i.id === id)!.classId })))
      for (const im of images) if (imageIds.includes(im.id)) im.classId = classId
      return { changed: imageIds.length, actionId: actions.length }
    },
    'images:undo-label': () => {
      const last = actions.pop()
      for (const { id, old } of last ?? []) images.find((i) => i.id === id)!.classId = old
      return { undone: !!last, imageIds: (last ?? []).map((x) => x.id) }
    },
    'images:delete': ({ imageIds }: { imageIds: number[] }) => {
      const before = images.length
      images = images.filter((i) => !imageIds.includes(i.id))
      return { deleted: before - images.length }
    }
  }
  return { classes, handlers, images: () => images }
}

let mounted: { unmount(): void } | null = null
afterEach(() => {
  mounted?.unmount()
  mounted = null
  createAppI18n('en')
})

async function mountLabel(n: number, plugins: unknown[] = []) {
  const project = fakeProject(n)
  const { fake, global } = withFakeApi(project.handlers)
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  await router.push('/label')
  const Screen = { components: { LabelView, ConfirmHost, ToastHost }, template: '<div><LabelView /><ConfirmHost /><ToastHost /></div>' }
  const wrapper = mount(Screen, { global: { ...global, plugins: [...global.plugins, router, ...(plugins as [])] }, attachTo: document.body })
  mounted = wrapper
  await useAppStatusStore().load()
  await flushPromises()
  return { wrapper, fake, project }
}
const tile = (wrapper: Awaited<ReturnType<typeof mountLabel>>['wrapper'], id: number) => wrapper.get(`[data-testid="label-tile"][data-image-id="${id}"]`)

describe('label screen actions', () => {
  it('labelling a range shows a toast whose Undo puts the labels back', async () => {
    const { wrapper, project } = await mountLabel(6)
    await tile(wrapper, 2).trigger('click')
    await tile(wrapper, 4).trigger('click', { shiftKey: true })
    await wrapper.get('[data-testid="label-as-scratch"]').trigger('click')
    await flushPromises()
    expect(project.images().filter((i) => i.classId === 2).map((i) => i.id)).toEqual([2, 3, 4])
    const toast = wrapper.get('[data-testid="toast"]')
    expect(toast.text()).toContain('Labelled 3 images as scratch.')
    await toast.get('[data-testid="toast-action"]').trigger('click')
    await flushPromises()
    expect(project.images().every((i) => i.classId === null)).toBe(true)
    expect(wrapper.get('[data-testid="toasts"]').text()).toContain('Labelling undone.')
  })

  it('labelling one new image with a key gives no toast; changing its label does, with Undo', async () => {
    const { wrapper, project } = await mountLabel(3)
    const grid = wrapper.get('[data-testid="label-grid"]')
    await tile(wrapper, 1).trigger('click')
    await grid.trigger('keydown', { key: '1' })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="toast"]')).toHaveLength(0)
    await tile(wrapper, 1).trigger('click')
    await grid.trigger('keydown', { key: '2' })
    await flushPromises()
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('Labelled 1 image as scratch.')
    await wrapper.get('[data-testid="toast-action"]').trigger('click')
    await flushPromises()
    expect(project.images()[0]!.classId).toBe(1)
  })

  it('deleting images asks first: Cancel keeps them, Delete removes them', async () => {
    const { wrapper, fake, project } = await mountLabel(5)
    await tile(wrapper, 1).trigger('click')
    await tile(wrapper, 2).trigger('click', { shiftKey: true })
    await wrapper.get('[data-testid="label-delete"]').trigger('click')
    await flushPromises()
    const dialog = wrapper.get('[data-testid="confirm-dialog"]')
    expect(dialog.text()).toContain('Delete 2 images?')
    expect(dialog.text()).toContain('This cannot be undone.')
    await wrapper.get('[data-testid="confirm-cancel"]').trigger('click')
    await flushPromises()
    expect(fake.calls.some((c) => c.channel === 'images:delete')).toBe(false)

    await tile(wrapper, 3).trigger('contextmenu')
    await flushPromises()
    await wrapper.get('[data-testid="menu-delete"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="confirm-dialog"]').text()).toContain('Delete 1 image?')
    await wrapper.get('[data-testid="confirm-ok"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'images:delete')?.payload).toEqual({ imageIds: [3] })
    expect(project.images().map((i) => i.id)).toEqual([1, 2, 4, 5])
    expect(wrapper.get('[data-testid="filter-count"]').text()).toBe('4 of 4 images')
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('Deleted 1 image.')
  })

  it('speaks Chinese: filters, counts, the class dialog and the notes', async () => {
    const { wrapper } = await mountLabel(3, [createAppI18n('zh-CN')])
    expect(wrapper.get('[data-testid="filter-count"]').text()).toBe('3 / 3 张图像')
    expect(wrapper.get('[data-testid="label-filters"]').text()).toContain('全部图像')
    await wrapper.get('[data-testid="class-delete-scratch"]').trigger('click')
    expect(wrapper.get('[data-testid="class-confirm"]').text()).toContain('删除类别“scratch”？')
    await wrapper.get('[data-testid="class-confirm-no"]').trigger('click')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '7' }))
    await flushPromises()
    expect(wrapper.get('[data-testid="label-error"]').text()).toBe('没有第 7 个类别：请先在类别列表中添加。')
    // Nothing on the screen is left in English but names and keys.
    const text = wrapper.get('[data-testid="screen-label"]').text()
    const english = text.replace(/part-\d+\.png|free|scratch|Ctrl|Shift|Enter|Esc|Backspace|Delete|Page Up|Down|Home|End/g, '').match(/[A-Za-z]{3,}/g)
    expect(english).toBeNull()
  })
})
