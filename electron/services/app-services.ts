import { dirname, resolve } from 'node:path'
import { eventPayloadIssues, type AppStatus, type EmitEvent, type EngineStatus, type EventName } from '../../shared/contract/index'
import { appVersion } from './app-info'
import { browserRoots } from './allowed-roots'
import { AnomalyService, workerAnomalyEngine } from './anomaly-service'
import { EngineService } from './engine-service'
import { FileAccess } from './file-access'
import { anomalyHandlers } from './handlers/anomaly'
import { engineHandlers } from './handlers/engine'
import { imagesHandlers } from './handlers/images'
import { uploadDisplayName } from './upload-names'
import { inspectionHandlers } from './handlers/inspection'
import { lineHandlers } from './handlers/line'
import { pathsHandlers } from './handlers/paths'
import { predictionsHandlers } from './handlers/predictions'
import { projectsHandlers } from './handlers/projects'
import { demoHandlers } from './handlers/demo'
import { trainingHandlers } from './handlers/training'
import { modelPackageHandlers } from './handlers/model-packages'
import { int8Handlers, workerInt8Runner } from './handlers/int8'
import { ImportService } from './import-service'
import { InspectionManager } from './inspection/manager'
import { ProjectService } from './project-service'
import { Router, type HandlerMap } from './router'
import { workerClassifierRunner } from './suggestion-service'
import { TrainingService, workerTrainingRunner } from './training-service'

/**
 * The composition root: builds every service once and registers their handlers on one
 * Router. The Electron main process, browser mode and tests all start from here, so the
 * same code answers every transport.
 */
export interface AppServices {
  router: Router
  /** Push an event to every connected renderer, once its payload fits the event's schema. */
  emit: EmitEvent
  /** Subscribe a transport to events; returns an unsubscribe function. */
  onEvent(listener: EventListener): () => void
  status(): Promise<AppStatus>
  /**
   * Bytes of a stored image for the renderer (`kind` 'image' = labelled set, 'inspection'
   * = history), served by the ds-image protocol in Electron and /media/ in browser mode.
   */
  media(kind: string, id: string, thumb: boolean, version?: string | null): Promise<MediaResponse | null>
  projects: ProjectService
  imports: ImportService
  engine: EngineService
  training: TrainingService
  anomaly: AnomalyService
  inspection: InspectionManager
  close(): Promise<void>
}

/** A transport's subscription: it forwards every event, already checked, as it is. */
export type EventListener = (event: EventName, payload: unknown) => void

/** Bytes for an <img>; `immutable` when the URL named the content (cache it for good). */
export interface MediaResponse {
  bytes: Uint8Array
  contentType: string
  immutable?: boolean
}

/** Cache-Control for a media response: content-named URLs never change; others always revalidate. */
export function mediaCacheControl(media: MediaResponse): string {
  return media.immutable ? 'private, max-age=31536000, immutable' : 'no-cache'
}

export interface AppServicesOptions {
  mode: 'electron' | 'browser'
  /** Open this project at start (browser mode's --project). */
  projectFile?: string
  /** Start the engine worker now (default true); tests of the transport alone skip it. */
  startEngine?: boolean
  /**
   * Browser mode: folders paths from the API may use besides the open project's folder,
   * the data folder and settings.json's allowedFolders (serve --allow-folder, uploads).
   */
  allowedFolders?: readonly string[]
  /** Browser mode's upload folder: reports name uploaded files by their own names, not this path. */
  uploadDir?: string
}

export async function createAppServices(options: AppServicesOptions): Promise<AppServices> {
  const listeners = new Set<EventListener>()
  const emit: EmitEvent = (event, payload) => {
    // The types make a wrong payload a compile error; this catches what types cannot (NaN,
    // a value outside its range, an event sent from untyped code). Renderers never get it.
    const issues = eventPayloadIssues(event, payload)
    if (issues.length > 0) {
      console.error(`Event "${event}" not sent: its payload does not fit the contract (${issues.join('; ')}).`)
      return
    }
    for (const listener of listeners) {
      try {
        listener(event, payload)
      } catch {
        // One broken transport must not stop events reaching the others.
      }
    }
  }
  const router = new Router()

  const projects = new ProjectService()
  // Electron's window and the CLI act for the local user; browser mode may be reached by
  // other clients, so its paths are kept inside the allowed roots (docs/security.md).
  const files = new FileAccess(
    options.mode === 'browser'
      ? browserRoots(() => projects.currentOrNull()?.file ?? null, [...(options.allowedFolders ?? []), ...(options.projectFile ? [dirname(resolve(options.projectFile))] : [])])
      : null
  )
  const imports = new ImportService()
  const engine = new EngineService()
  const project = () => projects.current()
  const training = new TrainingService({ project, emit, runner: workerTrainingRunner(engine.host) })
  const anomaly = new AnomalyService({ project, emit, engine: workerAnomalyEngine(engine.host) })
  const inspection = new InspectionManager({ currentProject: () => projects.currentOrNull(), emit })
  projects.onChange(() => void inspection.projectChanged())

  engine.on('status', (info) => emit('app:engine-status', { state: info.state === 'stopped' ? 'starting' : info.state, provider: info.provider, providerReason: info.providerReason }))
  engine.on('crashed', (report) => emit('engine:crashed', report))
  engine.on('weights-progress', (progress) => emit('engine:weights-progress', progress))

  const engineStatus = async (): Promise<EngineStatus> => {
    const info = await engine.info()
    const store = projects.currentOrNull()
    const active = store?.models.active('classifier') ?? store?.models.active('anomaly') ?? null
    return {
      state: info.state === 'stopped' ? 'starting' : info.state,
      provider: info.provider,
      providerReason: info.providerReason,
      activeModel: active ? { version: active.version, kind: active.kind } : null,
      weights: { source: info.weights.source, warning: info.weights.warning }
    }
  }

  const status = async (): Promise<AppStatus> => {
    const store = projects.currentOrNull()
    return {
      version: appVersion(),
      mode: options.mode,
      project: store ? { path: store.file, name: store.name } : null,
      engine: await engineStatus()
    }
  }

  const appHandlers: HandlerMap = {
    'app:status': () => status(),
    'app:ping': ({ echo }) => ({ echo })
  }
  router.register(appHandlers)
  router.register(projectsHandlers({ projects, emit, files }))
  router.register(demoHandlers({ projects, imports, training, files, emit }))
  router.register(imagesHandlers({ projects, imports, emit, files, ...(options.uploadDir ? { displayName: uploadDisplayName(options.uploadDir) } : {}) }))
  router.register(predictionsHandlers({ projects, emit, runner: workerClassifierRunner(engine.host) }))
  router.register(engineHandlers({ engine, files }))
  router.register(trainingHandlers({ training }))
  router.register(modelPackageHandlers({ project, files }))
  router.register(int8Handlers({ project, runner: workerInt8Runner(engine.host) }))
  router.register(anomalyHandlers({ anomaly, project }))
  router.register(inspectionHandlers({ manager: inspection, files }))
  router.register(lineHandlers({ manager: inspection, files }))
  router.register(pathsHandlers({ files }))

  if (options.startEngine !== false) {
    // The app stays usable (labelling, import) while the engine starts; errors show in
    // the status bar instead of stopping the app.
    void engine.start().catch((error: unknown) => emit('app:engine-status', { state: 'error', provider: 'cpu', providerReason: `The engine could not start: ${error instanceof Error ? error.message : String(error)}` }))
  }
  if (options.projectFile) await projects.open(options.projectFile)

  async function media(kind: string, id: string, thumb: boolean, version?: string | null): Promise<MediaResponse | null> {
    const store = projects.currentOrNull()
    if (!store) return null
    const numericId = Number(id)
    if (!Number.isInteger(numericId) || numericId <= 0) return null
    try {
      if (kind === 'image') {
        // A URL naming the content (its SHA-256) is served only when this project's image
        // has that content, and may then be cached for good; without it, never cached.
        if (version && store.images.get(numericId).sha256 !== version) return null
        const immutable = Boolean(version)
        if (thumb) {
          const t = store.images.thumbnail(numericId)
          return { bytes: t.bytes, contentType: t.mime, immutable }
        }
        const b = store.images.bytes(numericId)
        return { bytes: b.bytes, contentType: b.mime, immutable }
      }
      if (kind === 'inspection') {
        const image = (await inspection.current()).image(numericId)
        return { bytes: image.bytes, contentType: image.mime }
      }
    } catch {
      return null
    }
    return null
  }

  return {
    router,
    emit,
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    status,
    media,
    projects,
    imports,
    engine,
    training,
    anomaly,
    inspection,
    async close() {
      training.cancel()
      await inspection.close()
      projects.close()
      await engine.dispose()
      listeners.clear()
    }
  }
}
