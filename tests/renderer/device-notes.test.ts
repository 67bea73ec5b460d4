import { afterEach, describe, expect, it } from 'vitest'
import { createAppI18n } from '../../renderer/src/i18n/index'
import { localizeDeviceNote } from '../../renderer/src/i18n/device-notes'

// The engine's provider notes, as engine/infer/sessions.ts and services/engine-service.ts write
// them (copied: the source test below fails when one is reworded).
const SENTENCES = [
  'CUDA: CUDA add-on not installed (onnxruntime-node downloads it at install time; see README, GPU section).',
  'CUDA: CUDA add-on installed (needs an NVIDIA driver and CUDA 12 runtime).',
  'CUDA: CUDA is offered on Linux x64 only.',
  'DirectML: DirectML is Windows only.',
  'CoreML: CoreML is macOS only.',
  'DirectML is the preferred provider on this machine.',
  'WebGPU was requested.',
  'CPU was requested.',
  'CUDA failed to start (libcudart.so.12: cannot open shared object file); using CPU instead.',
  'No GPU provider is available here; CPU is used.',
  'DEFECT_STUDIO_PROVIDER="gpu" is not one of auto, cuda, dml, coreml, webgpu, cpu; using auto.',
  'The engine has not started yet.'
]
const STEMS = [
  'CUDA add-on not installed (onnxruntime-node downloads it at install time; see README, GPU section).',
  'CUDA add-on installed (needs an NVIDIA driver and CUDA 12 runtime).',
  'CUDA is offered on Linux x64 only.',
  'DirectML is Windows only.',
  'CoreML is macOS only.',
  'is the preferred provider on this machine.',
  'was requested.',
  'CPU was requested.',
  'failed to start (',
  '); using CPU instead.',
  'No GPU provider is available here; CPU is used.',
  '" is not one of auto, ',
  '; using auto.',
  'The engine has not started yet.',
  'The engine could not start: '
]
const SOURCES = Object.values(import.meta.glob<string>(['/electron/engine/infer/sessions.ts', '/electron/services/engine-service.ts', '/electron/services/app-services.ts'], { query: '?raw', import: 'default', eager: true }))

describe('the status bar’s device note in the user language', () => {
  afterEach(() => {
    createAppI18n('en')
  })

  it('the copied sentences are still the ones the engine writes', () => {
    const all = SOURCES.join('\n')
    expect(SOURCES).toHaveLength(3)
    for (const stem of STEMS) expect(all, stem).toContain(stem)
  })

  it('English is unchanged; Chinese rewrites every known sentence, also when several are joined', () => {
    createAppI18n('en')
    for (const s of SENTENCES) expect(localizeDeviceNote(s)).toBe(s)
    const joined = `${SENTENCES[0]} ${SENTENCES[8]}`
    expect(localizeDeviceNote(joined)).toBe(joined)
    createAppI18n('zh-CN')
    for (const s of SENTENCES) {
      const zh = localizeDeviceNote(s)
      // Left in Latin letters: product names, the variable and file names the sentence carries.
      const rest = zh.replace(/CUDA|DirectML|CoreML|WebGPU|CPU|GPU|NVIDIA|Linux|Windows|macOS|README|onnxruntime-node|DEFECT_STUDIO_PROVIDER|"gpu"|auto, cuda, dml, coreml, webgpu, cpu|libcudart\.so\.12: cannot open shared object file/g, '')
      expect(rest, s).not.toMatch(/[A-Za-z]{3,}/)
    }
    expect(localizeDeviceNote(joined)).toBe('CUDA：未安装 CUDA 附加组件（onnxruntime-node 在安装时下载它；见 README 的 GPU 一节）。 CUDA 启动失败（libcudart.so.12: cannot open shared object file）；改用 CPU。')
    expect(localizeDeviceNote('Something new.')).toBe('Something new.')
  })
})
