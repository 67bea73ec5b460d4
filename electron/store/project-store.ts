import { existsSync, statSync } from 'node:fs'
import { rename, rm, stat } from 'node:fs/promises'
import { basename, extname, resolve } from 'node:path'
import { openDatabase, type Db } from './db'
import { ProjectFileError } from './errors'
import { realTarget } from './paths'
import { CheckpointsRepository } from './repositories/checkpoints-repo'
import { ClassesRepository } from './repositories/classes-repo'
import { EmbeddingCacheRepository } from './repositories/embedding-cache-repo'
import { ImagesRepository } from './repositories/images-repo'
import { LabelsRepository } from './repositories/labels-repo'
import { ModelsRepository } from './repositories/models-repo'
import { PredictionsRepository } from './repositories/predictions-repo'
import { SettingsRepository } from './repositories/settings-repo'
import { SplitsRepository } from './repositories/splits-repo'
import { TrainingRunsRepository } from './repositories/training-runs-repo'
import { TrainerClaim } from './trainer-claim'

/** The suggested extension of a project file. */
export const PROJECT_EXTENSION = '.dsproj'

/** An open project: one SQLite file and the typed repositories over it. */
export class ProjectStore {
  readonly settings: SettingsRepository
  readonly classes: ClassesRepository
  readonly splits: SplitsRepository
  readonly labels: LabelsRepository
  readonly images: ImagesRepository
  readonly models: ModelsRepository
  readonly runs: TrainingRunsRepository
  readonly checkpoints: CheckpointsRepository
  readonly embeddings: EmbeddingCacheRepository
  readonly predictions: PredictionsRepository
  /** Which process trains this project (trainer-claim.ts). */
  readonly trainer: TrainerClaim

  /** Private: everything above the store goes through the repositories (no SQL outside electron/store). */
  constructor(
    readonly file: string,
    private readonly db: Db
  ) {
    this.settings = new SettingsRepository(db)
    this.classes = new ClassesRepository(db)
    this.splits = new SplitsRepository(db, this.settings)
    this.labels = new LabelsRepository(db, this.splits)
    this.images = new ImagesRepository(db, this.classes, this.labels)
    this.models = new ModelsRepository(db)
    this.runs = new TrainingRunsRepository(db)
    this.checkpoints = new CheckpointsRepository(db)
    this.embeddings = new EmbeddingCacheRepository(db)
    this.predictions = new PredictionsRepository(db)
    this.trainer = new TrainerClaim(file)
  }

  /** Display name: the file name without its extension. */
  get name(): string {
    return basename(this.file, extname(this.file))
  }

  get isOpen(): boolean {
    return this.db.open
  }

  /** Run fn in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate()
  }

  /** "ok", or SQLite's list of problems. */
  integrityCheck(): string {
    const rows = this.db.pragma('integrity_check') as Array<{ integrity_check: string }>
    return rows.map((r) => r.integrity_check).join('; ')
  }

  /**
   * "Save a copy": SQLite's online backup into a temporary file beside the target, then a
   * rename, so the target is either the old file or a complete copy. Safe while the
   * project is in use. The target is compared with the open project by real path and by
   * file identity (dots, links and hard links all name the same file), and an existing
   * file is replaced only when `overwrite` says so.
   */
  async saveCopy(target: string, opts: { overwrite?: boolean } = {}): Promise<{ path: string; bytes: number }> {
    const real = await realTarget(resolve(target)).catch(() => resolve(target))
    const own = await realTarget(this.file).catch(() => this.file)
    const sidecars = ['', '-wal', '-shm', '-journal'].map((suffix) => own + suffix)
    const existing = await stat(real).catch(() => null)
    const ownInfo = await stat(own).catch(() => null)
    const sameFile = existing !== null && ownInfo !== null && existing.dev === ownInfo.dev && existing.ino === ownInfo.ino
    if (sidecars.includes(real) || sameFile) throw new ProjectFileError(target, 'is the open project itself (or one of its files). Choose another file for the copy.')
    if (existing && !existing.isFile()) throw new ProjectFileError(target, 'exists and is not a regular file. Choose another name for the copy.')
    if (existing && !opts.overwrite) throw new ProjectFileError(target, 'already exists. Choose another name, or confirm that it should be replaced.')
    const temp = `${real}.${process.pid}.partial`
    try {
      await this.db.backup(temp)
      await rename(temp, real)
    } catch (error) {
      await rm(temp, { force: true })
      throw new ProjectFileError(target, `could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check that the folder exists, is writable and has free space.`)
    }
    return { path: real, bytes: statSync(real).size }
  }

  close(): void {
    if (!this.db.open) return
    // Fold the WAL back into the main file so a copied .dsproj is complete on its own.
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)')
    } catch {
      // Another connection may be reading; the WAL is still valid and replays at next open.
    }
    this.db.close()
  }
}

/** Open an existing project file (migrating its schema if it is older). */
export function openProject(file: string, opts: { busyTimeoutMs?: number } = {}): ProjectStore {
  return new ProjectStore(file, openDatabase(file, { create: false, ...opts }))
}

/** Create a new project file; refuses to overwrite an existing one. */
export function createProject(file: string): ProjectStore {
  if (existsSync(file)) throw new ProjectFileError(file, 'already exists. Open it, or choose another name.')
  return new ProjectStore(file, openDatabase(file, { create: true }))
}

/** Open the project, creating it first when the file does not exist (CLI import). */
export function openOrCreateProject(file: string): { store: ProjectStore; created: boolean } {
  if (existsSync(file)) return { store: openProject(file), created: false }
  return { store: createProject(file), created: true }
}
