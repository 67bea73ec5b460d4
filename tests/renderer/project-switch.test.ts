import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import LabelView from '../../renderer/src/views/LabelView.vue'
import { useAppStatusStore } from '../../renderer/src/stores/app-status'
import { useLabellingStore } from '../../renderer/src/stores/labelling'
import { useAnomalyStore } from '../../renderer/src/stores/anomaly'
import { useTrainingStore } from '../../renderer/src/stores/training'
import { mountTrainView, statusFixture, withFakeApi } from './helpers'

/**
 * Issue 11 item 2: every screen follows the open project. What one project's screens
 * held (a class filter, a training result, an anomaly fit) never shows under another.
 */
const project = (path: string) => ({ path, name: path.replace(/^.*\/|\.dsproj$/g, '') })
const cls = (id: number, name: string) => ({ id, name, colour: '#3cb44b', order: id, isGood: id === 1, count: 1, train: 1, val: 0 })
const img = (id: number, classId: number | null) => ({
  id, sha256: `s${id}`, width: 8, height: 8, format: 'png', byteSize: 10, originalName: `p${id}.png`, importedAt: '2026-11-28T22:00:00Z', classId, split: 'train'
})

let mounted: { unmount(): void } | null = null
afterEach(() => {
  mounted?.unmount()
  mounted = null
})

describe('switching projects', () => {
  it('the labelling screen drops the last project’s filters, selection and import report', async () => {
    let open = project('/p/a.dsproj')
    const data: Record<string, { classes: unknown[]; images: unknown[] }> = {
      '/p/a.dsproj': { classes: [cls(1, 'ok'), cls(7, 'scratch')], images: [img(1, 1), img(2, 7)] },
      '/p/b.dsproj': { classes: [cls(1, 'free'), cls(2, 'dent')], images: [img(1, 1), img(2, 2), img(3, 2)] }
    }
    const { global } = withFakeApi({
      'app:status': () => statusFixture({ project: open }),
      'classes:list': () => data[open.path]!.classes,
      'images:list': () => ({ items: data[open.path]!.images, total: data[open.path]!.images.length })
    })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
    const wrapper = mount(LabelView, { global: { ...global, plugins: [...global.plugins, router] } })
    mounted = wrapper
    const status = useAppStatusStore()
    await status.load()
    await flushPromises()
    const labelling = useLabellingStore()
    labelling.filter = { ...labelling.filter, label: 7 }
    labelling.importReport = { imported: 2, duplicates: [], rejected: [], cancelled: false, classesCreated: [] } as never
    await flushPromises()
    expect(wrapper.get('[data-testid="filter-count"]').text()).toBe('1 of 2 images')

    open = project('/p/b.dsproj')
    await useAppStatusStore().load()
    await flushPromises()
    expect(wrapper.get('[data-testid="filter-count"]').text()).toBe('3 of 3 images')
    expect(labelling.filter.label).toBe('all')
    expect(labelling.importReport).toBeNull()
  })

  it('the training screen drops the last project’s run and anomaly result', async () => {
    const stubs = { TrainingChart: { template: '<div />', props: ['steps', 'epochs'] }, Echarts: { template: '<div />', props: ['option'] } }
    let open = project('/p/a.dsproj')
    const { wrapper } = await mountTrainView(
      {
        'app:status': () => statusFixture({ project: open }),
        // A's services answer with A's results; B (like the fixed services) has none.
        'anomaly:status': () =>
          open.path === '/p/a.dsproj'
            ? { state: 'done', last: { status: 'done', modelVersion: 4, activated: true, reason: 'first', threshold: 2, imageAuroc: null, falseRejectRate: 0.01, defectRecall: null, bankSize: 10, roc: null, calibration: null, warnings: [] } }
            : { state: 'idle', last: null },
        'training:status': () =>
          open.path === '/p/a.dsproj'
            ? { state: 'done', runId: 3, progress: null, last: { runId: 3, status: 'done', modelVersion: 4, activated: true, reason: 'first', metrics: null, imagesPerSecond: 5 } }
            : { state: 'idle', runId: null, progress: null, last: null }
      },
      stubs
    )
    mounted = wrapper
    expect(wrapper.find('[data-testid="anomaly-result"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="training-outcome"]').exists()).toBe(true)
    // An evaluation asked for in A (ROC) must not survive either.
    useAnomalyStore().evaluation = { roc: [] } as never

    open = project('/p/b.dsproj')
    await useAppStatusStore().load()
    await flushPromises()
    expect(wrapper.find('[data-testid="anomaly-result"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="training-outcome"]').exists()).toBe(false)
    expect(useAnomalyStore().evaluation).toBeNull()
    expect(useTrainingStore().steps).toEqual([])
  })
})
