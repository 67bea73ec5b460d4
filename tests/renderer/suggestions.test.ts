import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import LabelView from '../../renderer/src/views/LabelView.vue'
import TrainView from '../../renderer/src/views/TrainView.vue'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { statusFixture, withFakeApi } from './helpers'

/**
 * Model suggestions on the Label screen (suggest, accept) and the misclassified gallery on
 * the Train screen, against a fake transport answering as the service handlers do.
 */
function fakeProject() {
  const classes = [
    { id: 1, name: 'ok', colour: '#3cb44b', order: 0, isGood: true, count: 0, train: 0, val: 0 },
    { id: 2, name: 'scratch', colour: '#e6194b', order: 1, isGood: false, count: 0, train: 0, val: 0 }
  ]
  // Images 1-2 labelled; 3-8 unlabelled. The "model" predicts scratch for even ids.
  const images = Array.from({ length: 8 }, (_, i) => ({
    id: i + 1, sha256: `s${i}`, width: 64, height: 64, format: 'png', byteSize: 100, originalName: `part-${i + 1}.png`,
    importedAt: '2026-11-28T22:00:00Z', classId: (i < 2 ? 1 : null) as number | null, split: 'train' as const,
    suggestion: null as { classId: number; confidence: number } | null
  }))
  const handlers = {
    'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
    'classes:list': () => classes.map((c) => ({ ...c, count: images.filter((im) => im.classId === c.id).length })),
    'images:list': ({ offset = 0, limit = 200 }: { offset?: number; limit?: number }) => ({ items: images.slice(offset, offset + limit), total: images.length }),
    'images:suggest': ({ scope }: { scope: string }) => {
      let predicted = 0
      for (const im of images) {
        if (scope === 'unlabelled' && im.classId !== null) continue
        im.suggestion = { classId: im.id % 2 === 0 ? 2 : 1, confidence: 0.5 + im.id / 20 }
        predicted++
      }
      return { modelVersion: 3, predicted, failed: 0 }
    },
    'images:set-label': ({ imageIds, classId }: { imageIds: number[]; classId: number | null }) => {
      for (const id of imageIds) images[id - 1]!.classId = classId
      return { changed: imageIds.length, actionId: 1 }
    }
  }
  return { images, handlers }
}

let mounted: { unmount(): void } | null = null
afterEach(() => {
  mounted?.unmount()
  mounted = null
})

async function mountLabel(path = '/label') {
  const project = fakeProject()
  const { fake, global } = withFakeApi(project.handlers)
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  await router.push(path)
  const wrapper = mount(LabelView, { global: { ...global, plugins: [...global.plugins, router] }, attachTo: document.body })
  mounted = wrapper
  await useAppStatusStore().load()
  await flushPromises()
  return { wrapper, fake, project }
}

const tile = (wrapper: Awaited<ReturnType<typeof mountLabel>>['wrapper'], id: number) => wrapper.get(`[data-testid="label-tile"][data-image-id="${id}"]`)
const setLabels = (fake: Awaited<ReturnType<typeof mountLabel>>['fake']) => fake.calls.filter((c) => c.channel === 'images:set-label').map((c) => c.payload)

describe('label suggestions', () => {
  it('suggests labels for the unlabelled images, shows them and enables the model filters', async () => {
    const { wrapper, fake } = await mountLabel()
    expect(wrapper.get('[data-testid="filter-disagrees"]').attributes('disabled')).toBeDefined()
    expect(wrapper.get('[data-testid="accept-suggestions"]').attributes('disabled')).toBeDefined()
    const listsBefore = fake.calls.filter((c) => c.channel === 'images:list').length
    await wrapper.get('[data-testid="suggest-labels"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'images:suggest')?.payload).toEqual({ scope: 'unlabelled' })
    expect(fake.calls.filter((c) => c.channel === 'images:list').length).toBeGreaterThan(listsBefore)
    expect(wrapper.get('[data-testid="suggest-note"]').text()).toBe('Model v3 predicted 6 images.')
    expect(tile(wrapper, 4).get('[data-testid="tile-suggestion"]').text()).toContain('scratch')
    expect(tile(wrapper, 1).find('[data-testid="tile-suggestion"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="filter-disagrees"]').attributes('disabled')).toBeUndefined()
    expect(wrapper.get('[data-testid="accept-suggestions"]').text()).toContain('(6)')
  })

  it('accepts every shown unlabelled suggestion in one request per class', async () => {
    const { wrapper, fake, project } = await mountLabel()
    await wrapper.get('[data-testid="suggest-labels"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="accept-suggestions"]').trigger('click')
    await flushPromises()
    expect(setLabels(fake)).toEqual([
      { imageIds: [3, 5, 7], classId: 1 },
      { imageIds: [4, 6, 8], classId: 2 }
    ])
    expect(project.images.map((i) => i.classId)).toEqual([1, 1, 1, 2, 1, 2, 1, 2])
    expect(tile(wrapper, 4).get('[data-testid="tile-class"]').text()).toBe('scratch')
    expect(wrapper.get('[data-testid="suggest-note"]').text()).toBe('Accepted 6 suggestions.')
    expect(wrapper.get('[data-testid="accept-suggestions"]').attributes('disabled')).toBeDefined()
  })

  it('accepts only the selected images when some are selected', async () => {
    const { wrapper, fake, project } = await mountLabel()
    await wrapper.get('[data-testid="suggest-labels"]').trigger('click')
    await flushPromises()
    await tile(wrapper, 4).trigger('click')
    await tile(wrapper, 5).trigger('click', { ctrlKey: true })
    // A labelled image in the selection keeps its label.
    await tile(wrapper, 1).trigger('click', { ctrlKey: true })
    expect(wrapper.get('[data-testid="accept-suggestions"]').text()).toContain('(2)')
    await wrapper.get('[data-testid="accept-suggestions"]').trigger('click')
    await flushPromises()
    expect(setLabels(fake)).toEqual([
      { imageIds: [4], classId: 2 },
      { imageIds: [5], classId: 1 }
    ])
    expect(project.images.map((i) => i.classId)).toEqual([1, 1, null, 2, 1, null, null, null])
  })

  it('shows the refusal when no classifier is active', async () => {
    const project = fakeProject()
    const { global } = withFakeApi({
      ...project.handlers,
      'images:suggest': () => {
        throw new Error('No classifier is active. Train one on the Train screen (or activate a version) to get suggestions.')
      }
    })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
    await router.push('/label')
    const wrapper = mount(LabelView, { global: { ...global, plugins: [...global.plugins, router] }, attachTo: document.body })
    mounted = wrapper
    await useAppStatusStore().load()
    await flushPromises()
    await wrapper.get('[data-testid="suggest-labels"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="label-error"]').text()).toContain('No classifier is active')
  })

  it('opens the image named by ?image= in the viewer', async () => {
    const { wrapper } = await mountLabel('/label?image=6')
    expect(wrapper.get('[data-testid="label-viewer"]').find('img').attributes('src')).toMatch(/^fake-image:\/\/6\?v=/)
  })
})

const version = (v: number) => ({
  version: v,
  kind: 'classifier' as const,
  architecture: 'resnet18',
  classes: ['ok', 'scratch'],
  metrics: { accuracy: 0.9 },
  config: {},
  dataFingerprint: 'f',
  active: true,
  createdAt: '2026-11-28T22:00:00Z',
  activatedAt: null,
  trainingRunId: v
})

async function mountTrain(misclassified: (p: { version: number }) => unknown) {
  const { fake, global } = withFakeApi({
    'app:status': () => statusFixture({ project: { path: '/p/a.dsproj', name: 'a' } }),
    'training:status': () => ({ state: 'idle', runId: null, progress: null, last: null }),
    'training:runs': () => [],
    'models:list': () => [version(3)],
    'projects:current': () => ({ path: '/p/a.dsproj', name: 'a', images: 0, classes: [] }),
    'projects:recent': () => [],
    'projects:settings-get': () => ({}),
    'models:misclassified': misclassified
  })
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  const wrapper = mount(TrainView, { global: { ...global, plugins: [...global.plugins, router], stubs: { TrainingChart: { template: '<div />' } } } })
  mounted = wrapper
  await useAppStatusStore().load()
  await flushPromises()
  return { wrapper, fake, router }
}

describe('misclassified gallery', () => {
  it('shows the shown version\'s misclassified images and opens one on the Label screen', async () => {
    const { wrapper, fake, router } = await mountTrain(() => [
      { imageId: 5, originalName: 'part-5.png', trueClass: 'scratch', predictedClass: 'ok', confidence: 0.874 },
      { imageId: 9, originalName: 'part-9.png', trueClass: 'ok', predictedClass: 'scratch', confidence: 0.61 }
    ])
    expect(fake.calls.find((c) => c.channel === 'models:misclassified')?.payload).toEqual({ version: 3 })
    const gallery = wrapper.get('[data-testid="misclassified-gallery"]')
    const items = gallery.findAll('[data-testid="misclassified-item"]')
    expect(items.map((i) => i.attributes('data-image-id'))).toEqual(['5', '9'])
    expect(items[0]!.get('img').attributes('src')).toBe('fake-image://5?thumb=1')
    expect(items[0]!.text()).toContain('scratch → ok')
    expect(items[0]!.text()).toContain('87%')
    await items[1]!.trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/label')
    expect(router.currentRoute.value.query).toEqual({ image: '9' })
  })

  it('says so when every validation image is right, and shows errors', async () => {
    const ok = await mountTrain(() => [])
    expect(ok.wrapper.get('[data-testid="misclassified-empty"]').text()).toContain('Every validation image')
    ok.wrapper.unmount()
    const bad = await mountTrain(() => {
      throw new Error('Model version 3 was not found.')
    })
    expect(bad.wrapper.get('[data-testid="misclassified-error"]').text()).toContain('Model version 3 was not found.')
  })
})
