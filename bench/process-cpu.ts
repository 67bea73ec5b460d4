import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU time used so far by the processes this process started, grouped by program name
 * (Linux /proc; empty elsewhere). On a machine shared with other work, wall-clock rates
 * depend on the load, while CPU milliseconds per verdict mostly do not: benches print both.
 */
const TICKS_PER_SECOND = 100 // USER_HZ, fixed at 100 on Linux

interface Proc {
  pid: number
  ppid: number
  comm: string
  cpuMs: number
}

function readProcs(): Proc[] {
  const procs: Proc[] = []
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return procs
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // comm is in parentheses and may contain spaces: split after the last ')'.
      const close = stat.lastIndexOf(')')
      const comm = stat.slice(stat.indexOf('(') + 1, close)
      const fields = stat.slice(close + 2).split(' ')
      // fields[0] = state (field 3), so field N is fields[N - 3]: ppid 4, utime 14, stime 15.
      const ppid = Number(fields[1])
      const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
      procs.push({ pid: Number(name), ppid, comm, cpuMs })
    } catch {
      // the process exited while we looked
    }
  }
  return procs
}

/** CPU ms of every descendant of `root` (default: this process), summed per program name. */
export function descendantCpuMs(root = process.pid): Record<string, number> {
  const procs = readProcs()
  const children = new Map<number, Proc[]>()
  for (const p of procs) {
    const list = children.get(p.ppid) ?? []
    list.push(p)
    children.set(p.ppid, list)
  }
  const out: Record<string, number> = {}
  const walk = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      const group = c.comm.startsWith('chrom') ? 'chromium' : c.comm
      out[group] = (out[group] ?? 0) + c.cpuMs
      walk(c.pid)
    }
  }
  walk(root)
  return out
}

/** `after - before`, per group. */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0)
  return out
}
