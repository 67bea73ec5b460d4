import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import ProjectsView from '../../renderer/src/views/ProjectsView.vue'
import LabelViewer from '../../renderer/src/components/labelling/LabelViewer.vue'
import { statusFixture, withFakeApi } from './helpers'

const classes = [
  { id: 1, name: 'ok', colour: '#3cb44b', order: 0, isGood: true, count: 5, train: 4, val: 1 },
  { id: 2, name: 'dent', colour: '#e6194b', order: 1, isGood: false, count: 2, train: 2, val: 0 }
]

async function mountProjects(handlers: Parameters<typeof withFakeApi>[0] = {}) {
  let current: { path: string; name: string; images: number; classes: typeof classes } | null = null
  let settings: Record<string, unknown> = {}
  const recent = [{ path: '/data/old.dsproj', name: 'old', openedAt: '2026-11-27T10:00:00Z' }]
  const { fake, global } = withFakeApi({
    'app:status': () => statusFixture({ project: current ? { path: current.path, name: current.name } : null }),
    'projects:current': () => current,
    'projects:recent': () => recent,
    'projects:settings-get': () => settings,
    'projects:settings-set': ({ key, value }: { key: string; value: unknown }) => {
      settings = { ...settings }
      if (value === undefined) delete settings[key]
      else settings[key] = value
      return settings
    },
    'projects:create': ({ path }: { path: string }) => {
      if (path.endsWith('exists.dsproj')) throw new Error(`"${path}" already exists. Open it, or choose another name.`)
      current = { path, name: 'new', images: 0, classes: [] }
      return current
    },
    'projects:open': ({ path }: { path: string }) => (current = { path, name: 'old', images: 7, classes }),
    ...handlers
  })
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
  await router.push('/projects')
  const wrapper = mount(ProjectsView, { global: { ...global, plugins: [...global.plugins, router] } })
  await flushPromises()
  return { wrapper, fake, router, settings: () => settings }
}

describe('projects view', () => {
  it('creates a project and goes to labelling', async () => {
    const { wrapper, router } = await mountProjects()
    expect(wrapper.find('[data-testid="project-current"]').exists()).toBe(false)
    await wrapper.get('[data-testid="project-create-path"]').setValue('/data/line1.dsproj')
    await wrapper.get('[data-testid="project-create-form"]').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/label')
  })

  it('says why a project cannot be created', async () => {
    const { wrapper, router } = await mountProjects()
    await wrapper.get('[data-testid="project-create-path"]').setValue('/data/exists.dsproj')
    await wrapper.get('[data-testid="project-create-form"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="projects-error"]').text()).toContain('already exists')
    expect(router.currentRoute.value.path).toBe('/projects')
  })

  it('opens a recent project and edits its settings', async () => {
    const { wrapper, fake, settings } = await mountProjects()
    await wrapper.get('[data-testid="project-recent-old"]').trigger('click')
    await flushPromises()
    await wrapper.vm.$router.push('/projects')
    await flushPromises()
    expect(fake.calls.find((c) => c.channel === 'projects:open')?.payload).toEqual({ path: '/data/old.dsproj' })
    expect(wrapper.get('[data-testid="project-image-count"]').text()).toBe('7 images')
    expect((wrapper.get('[data-testid="project-good-class"]').element as HTMLSelectElement).value).toBe('1')

    await wrapper.get('[data-testid="project-image-size"]').setValue('20')
    await wrapper.get('[data-testid="project-settings"]').trigger('submit')
    expect(wrapper.get('[data-testid="project-image-size-error"]').text()).toContain('between 32 and 1024')
    expect(fake.calls.some((c) => c.channel === 'projects:settings-set')).toBe(false)

    await wrapper.get('[data-testid="project-image-size"]').setValue('128')
    await wrapper.get('[data-testid="project-fit"]').setValue('crop')
    await wrapper.get('[data-testid="project-settings"]').trigger('submit')
    await flushPromises()
    expect(settings()).toEqual({ 'training.size': 128, 'training.fit': 'crop' })
    expect(wrapper.get('[data-testid="project-settings-saved"]').text()).toBe('Settings saved.')
  })
})

describe('viewer', () => {
  const item = { id: 5, classId: null, split: null, originalName: 'p5.png' }
  it('zooms with the wheel and keys, pans with Shift+arrows, resets with 0, steps and closes', async () => {
    const wrapper = mount(LabelViewer, { props: { item, classes: [], position: 4, total: 9, src: 'x://5' } })
    const dialog = wrapper.get('[data-testid="label-viewer"]')
    const img = () => wrapper.get('[data-testid="viewer-image"]').attributes('style')
    await wrapper.get('.stage').trigger('wheel', { deltaY: -100 })
    expect(wrapper.get('[data-testid="viewer-zoom"]').text()).toBe('125%')
    await dialog.trigger('keydown', { key: '+' })
    expect(wrapper.get('[data-testid="viewer-zoom"]').text()).toBe('156%')
    await dialog.trigger('keydown', { key: 'ArrowRight', shiftKey: true })
    expect(img()).toContain('translate(-60px, 0px)')
    await dialog.trigger('keydown', { key: '0' })
    expect(img()).toContain('translate(0px, 0px) scale(1)')
    await dialog.trigger('keydown', { key: 'ArrowRight' })
    await dialog.trigger('keydown', { key: 'Escape' })
    expect(wrapper.emitted('step')).toEqual([[1]])
    expect(wrapper.emitted('close')).toHaveLength(1)
  })
})
