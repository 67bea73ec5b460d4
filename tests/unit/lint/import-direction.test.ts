import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

// The import-direction rules in eslint.config.js, checked on snippets linted as if they
// were files of each layer: a wrong-way import must fail lint, the allowed ones must pass.
const eslint = new ESLint({ cwd: process.cwd() })

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('import direction (lint)', () => {
  it.each([
    ['electron/engine/worker/handlers/x.ts', "import { openProject } from '../../../store/project-store'\nvoid openProject\n"],
    ['electron/engine/models/x.ts', "import { dataDir } from '../../services/app-info'\nvoid dataDir\n"],
    ['electron/engine/x.ts', "import { commands } from '../cli/commands/index'\nvoid commands\n"],
    ['electron/store/x.ts', "import type { Tensor } from '../engine/tensor'\nexport type T = Tensor\n"],
    ['electron/store/repositories/x.ts', "import { preprocessImage } from '../../imaging/preprocess'\nvoid preprocessImage\n"],
    ['electron/imaging/x.ts', "import type { ProjectStore } from '../store/project-store'\nexport type S = ProjectStore\n"],
    ['electron/services/x.ts', "import { startBrowserServer } from '../server/browser-server'\nvoid startBrowserServer\n"],
    ['electron/services/inspection/x.ts', "import { registerIpc } from '../../main/ipc'\nvoid registerIpc\n"],
    ['renderer/src/stores/x.ts', "import { openProject } from '../../../electron/store/project-store'\nvoid openProject\n"],
    ['shared/contract/x.ts', "import { openProject } from '../../electron/store/project-store'\nvoid openProject\n"]
  ])('%s: a wrong-way import fails lint', async (file, code) => {
    const messages = await restricted(file, code)
    expect(messages.length).toBe(1)
  })

  it.each([
    ['electron/engine/train/x.ts', "import type { TrainingEpochDto } from '../../../shared/contract/training'\nimport { preprocessImage } from '../../imaging/preprocess'\nimport { runTrainer } from './trainer'\nvoid preprocessImage\nvoid runTrainer\nexport type E = TrainingEpochDto\n"],
    ['electron/store/x.ts', "import type { ImageItem } from '../../shared/contract/images'\nexport type I = ImageItem\n"],
    ['electron/services/x.ts', "import { openProject } from '../store/project-store'\nimport { runTrainingJob } from '../engine/train/training-job'\nimport { preprocessImage } from '../imaging/preprocess'\nvoid openProject\nvoid runTrainingJob\nvoid preprocessImage\n"],
    ['electron/cli/x.ts', "import { projectTrainingData } from '../services/training-data'\nvoid projectTrainingData\n"]
  ])('%s: imports pointing down pass', async (file, code) => {
    expect(await restricted(file, code)).toEqual([])
  })

  it('the messages say what to do instead', async () => {
    const [message] = await restricted('electron/engine/x.ts', "import { openProject } from '../store/project-store'\nvoid openProject\n")
    expect(message).toMatch(/interface the caller fills/)
  })
})

describe('views keep server state in stores (lint)', () => {
  const messages = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath })
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message)
  }
  it('a view calling the API directly fails lint; a store may, and a view may build an image URL', async () => {
    const call = "declare const api: { call(c: string, p: object): Promise<unknown>; imageUrl(id: number): string }\nvoid api.call('history:list', {})\n"
    expect(await messages('renderer/src/views/HistoryView.ts', call)).toHaveLength(1)
    expect(await messages('renderer/src/components/inspection/X.ts', call.replace('api.call', 'api.request'))).toHaveLength(1)
    expect(await messages('renderer/src/stores/history.ts', call)).toEqual([])
    expect(await messages('renderer/src/views/LabelView.ts', call.replace("api.call('history:list', {})", 'api.imageUrl(1)'))).toEqual([])
  })
})
