import type { CliIo } from './command'

/**
 * The CLI's stdout/stderr writers for a real process. When the reader of a pipe goes away
 * (`defect-studio inspect … --json | head -1`), the next write fails with EPIPE; a CLI
 * should then stop writing quietly, as grep or ls do, instead of dying with an unhandled
 * 'error' event and a stack trace. Later lines are dropped; the command still finishes
 * (its work, e.g. inspections recorded in history, is not cut short half-way).
 */
export function processIo(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): CliIo {
  const closed = { out: false, err: false }
  const watch = (stream: NodeJS.WriteStream, key: 'out' | 'err'): void => {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') closed[key] = true
      else throw error
    })
  }
  watch(stdout, 'out')
  watch(stderr, 'err')
  return {
    out: (line) => {
      if (!closed.out) stdout.write(line + '\n')
    },
    err: (line) => {
      if (!closed.err) stderr.write(line + '\n')
    }
  }
}
