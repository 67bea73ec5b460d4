import { readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { StoreConflictError } from './errors'

/**
 * Which process is training a project: a small claim file beside the project file
 * (`<project>.trainer`, created exclusively, JSON { pid, host, since }). A training job
 * claims it before it marks runs left 'running' as interrupted, so a second process (the
 * CLI beside the app, two CLIs) does not take over, "resume" and finish the run the first
 * one is still training; it is told who trains instead. The claim is not in the database:
 * it must not travel with a copy of the project, nor show among its settings.
 *
 * A claim whose process is gone is taken over: on this host, when its pid no longer runs; on
 * another host (a project on a share), when it is older than STALE_FOREIGN_MS. Where the
 * file cannot be written at all (a read-only folder), training goes on unclaimed, as before.
 */

export interface TrainerOwner {
  pid: number
  host: string
  since: string
}

/** A claim from another machine counts as abandoned after this long. */
export const STALE_FOREIGN_MS = 12 * 60 * 60 * 1000

export class TrainerClaim {
  private readonly path: string
  private held = false

  constructor(projectFile: string) {
    this.path = `${projectFile}.trainer`
  }

  /** Claim the project for this process; throws StoreConflictError naming the live owner. */
  claim(): void {
    const me: TrainerOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.path, JSON.stringify(me), { flag: 'wx' })
        this.held = true
        return
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return // cannot claim here: train unclaimed
      }
      const owner = this.owner()
      if (owner && owner.pid === me.pid && owner.host === me.host) {
        this.held = true // this process already trains (the claim is re-entrant)
        return
      }
      if (owner && isAlive(owner, me.host)) {
        throw new StoreConflictError(`Another process is training this project: pid ${owner.pid} on ${owner.host}, since ${owner.since}. Wait for it to finish or stop it, then train again.`)
      }
      removeQuietly(this.path) // abandoned (or unreadable): take it over
    }
  }

  /** Give the claim back (only ours). */
  release(): void {
    if (!this.held) return
    this.held = false
    const owner = this.owner()
    if (owner && owner.pid === process.pid && owner.host === hostname()) removeQuietly(this.path)
  }

  private owner(): TrainerOwner | null {
    try {
      const o = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<TrainerOwner>
      return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.since === 'string' ? { pid: o.pid, host: o.host, since: o.since } : null
    } catch {
      return null
    }
  }
}

function isAlive(owner: TrainerOwner, host: string): boolean {
  if (owner.host !== host) return Date.now() - Date.parse(owner.since) < STALE_FOREIGN_MS
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}
