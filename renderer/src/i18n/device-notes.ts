import { translate } from './core'

/**
 * The engine says why it runs on its provider in English sentences (engine/infer/sessions.ts,
 * services/engine-service.ts), several joined by spaces, e.g.
 * "CUDA: CUDA add-on not installed (…; see README, GPU section)." Each known sentence is
 * rewritten from the catalogue (`status.note.*`) keeping the names it carries; a sentence we
 * do not know stays as sent, so nothing is lost. tests/renderer/device-notes.test.ts feeds it
 * the engine's real sentences and fails when one is reworded.
 */
const PROVIDER = '(?<provider>CUDA|DirectML|CoreML|WebGPU|CPU)'

const NOTES: Array<[RegExp, string]> = [
  [new RegExp(`${PROVIDER}: CUDA add-on not installed \\(onnxruntime-node downloads it at install time; see README, GPU section\\)\\.`, 'g'), 'status.note.cudaMissing'],
  [new RegExp(`${PROVIDER}: CUDA add-on installed \\(needs an NVIDIA driver and CUDA 12 runtime\\)\\.`, 'g'), 'status.note.cudaInstalled'],
  [new RegExp(`${PROVIDER}: CUDA is offered on Linux x64 only\\.`, 'g'), 'status.note.cudaLinuxOnly'],
  [new RegExp(`${PROVIDER}: DirectML is Windows only\\.`, 'g'), 'status.note.dmlWindowsOnly'],
  [new RegExp(`${PROVIDER}: CoreML is macOS only\\.`, 'g'), 'status.note.coremlMacOnly'],
  [new RegExp(`${PROVIDER} is the preferred provider on this machine\\.`, 'g'), 'status.note.preferred'],
  [new RegExp(`${PROVIDER} was requested\\.`, 'g'), 'status.note.requested'],
  [new RegExp(`${PROVIDER} failed to start \\((?<detail>[^)]*)\\); using CPU instead\\.`, 'g'), 'status.note.failedToStart'],
  [/No GPU provider is available here; CPU is used\./g, 'status.note.noGpu'],
  [/(?<variable>DEFECT_STUDIO_PROVIDER)="(?<value>[^"]*)" is not one of (?<known>[^;]*); using auto\./g, 'status.note.badEnv'],
  [/The engine has not started yet\./g, 'status.note.notStarted'],
  [/^The engine could not start: (?<detail>.*)$/g, 'status.note.couldNotStart']
]

/** The engine's provider note in the current language (known sentences rewritten, others kept). */
export function localizeDeviceNote(note: string): string {
  let out = note
  for (const [re, key] of NOTES) {
    out = out.replace(re, (...args: unknown[]) => {
      const groups = args.at(-1)
      return translate(key, typeof groups === 'object' && groups !== null ? (groups as Record<string, string>) : {})
    })
  }
  return out
}
