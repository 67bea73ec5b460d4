import type { EmitEvent } from '../../../shared/contract/index'
import type { ProjectStore } from '../../store/project-store'
import { NoProjectError } from '../errors'
import type { InspectionEngine } from './pipeline'
import type { ModelLoader } from './local-engine'
import { InspectionService, type InspectionServiceOptions } from './service'
import { WorkerInspectionEngine } from './worker-engine'
import { LineOutputs } from '../line/line-outputs'
import { int8Record } from '../int8-model'

/**
 * One InspectionService per open project: created on first use, closed when the project
 * changes or the app shuts down. The engine is the inspection worker unless a test
 * passes another.
 */
export interface InspectionManagerOptions {
  currentProject: () => ProjectStore | null
  emit: EmitEvent
  engineFactory?: (loader: ModelLoader) => InspectionEngine & { release?: () => Promise<void> }
  service?: Partial<Pick<InspectionServiceOptions, 'webhook' | 'hotFolder'>>
}

export function storeModelLoader(store: ProjectStore): ModelLoader {
  // A version with INT8 turned on (services/int8-model.ts) runs from its calibration ranges.
  return (version) => ({ onnx: store.models.onnx(version), weights: store.models.weights(version), int8Ranges: int8Record(store, version)?.ranges ?? null })
}

export class InspectionManager {
  private active: {
    store: ProjectStore
    service: InspectionService
    engine: InspectionEngine & { release?: () => Promise<void> }
    line: LineOutputs
  } | null = null

  constructor(private readonly options: InspectionManagerOptions) {}

  /** The service for the open project (NoProjectError when none is open). */
  async current(): Promise<InspectionService> {
    const store = this.options.currentProject()
    if (!store) {
      await this.closeActive()
      throw new NoProjectError()
    }
    if (this.active?.store !== store) {
      await this.closeActive()
      const loader = storeModelLoader(store)
      const engine = this.options.engineFactory ? this.options.engineFactory(loader) : new WorkerInspectionEngine(loader)
      const service = new InspectionService({ project: store, engine, emit: this.options.emit, ...this.options.service })
      // MQTT and PLC outputs of this project (electron/services/line), as its settings say.
      const line = new LineOutputs({ project: store, service, emit: this.options.emit })
      this.active = { store, service, engine, line }
    }
    return this.active.service
  }

  /** The line outputs (MQTT, PLC) of the open project. */
  async currentLine(): Promise<LineOutputs> {
    await this.current()
    return this.active!.line
  }

  /** Call when the open project changes (ProjectService.onChange). */
  async projectChanged(): Promise<void> {
    if (this.active && this.active.store !== this.options.currentProject()) await this.closeActive()
  }

  async close(): Promise<void> {
    await this.closeActive()
  }

  private async closeActive(): Promise<void> {
    const a = this.active
    this.active = null
    if (!a) return
    await a.line.close().catch(() => undefined)
    await a.service.close().catch(() => undefined)
    await a.engine.release?.().catch(() => undefined)
  }
}
