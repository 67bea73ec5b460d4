import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useRouter } from 'vue-router'
import { useApi } from '../api/index'

/** The Inspect screen with the Demo camera started (InspectView reads `camera=demo`; the CLI's `demo` prints the same route). */
export const DEMO_LIVE_ROUTE = { path: '/inspect', query: { camera: 'demo' } } as const

/**
 * The first run a new user gets from "Try the demo": the demo project is made and its
 * quick training run watched on the Train screen; when that run ends with a model, live
 * inspection opens on the Demo camera. A store, so that it follows the run whichever
 * screen is shown meanwhile; the run's events only come while its project is open
 * (training-service.ts), so opening another project ends the demo flow too.
 */
export const useDemoFlowStore = defineStore('demo-flow', () => {
  const api = useApi()
  const router = useRouter()
  /** The demo's training run being followed (null: none). */
  const runId = ref<number | null>(null)

  api.on('training:done', (d) => {
    if (runId.value === null || d.runId !== runId.value) return
    runId.value = null
    if (d.status === 'done' && d.modelVersion !== null) void router.push(DEMO_LIVE_ROUTE)
  })

  function follow(run: number | null): void {
    runId.value = run
  }

  return { runId, follow }
})
