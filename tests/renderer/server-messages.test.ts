import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '../../renderer/src/api/client'
import { createAppI18n } from '../../renderer/src/i18n/index'
import { errorMessage, rejectReason, serverMessage } from '../../renderer/src/i18n/errors'
import { localizeServerMessage, REJECT_CODES } from '../../renderer/src/i18n/server-messages'
import { NoProjectError, NotFoundError } from '../../electron/services/errors'
import { busyMessage, StoreNotFoundError } from '../../electron/store/errors'
import { BackboneDownloadError, RANDOM_INIT_WARNING } from '../../electron/engine/models/backbones'

// Sentences exactly as the services write them: from their error classes where those can be
// imported here, else copied (the source test below fails when the service changes them).
const SAMPLES: Array<[string, string]> = [
  [new NoProjectError().message, 'errors.noProject'],
  [busyMessage('/p/a.dsproj'), 'errors.busy'],
  [busyMessage(), 'errors.busy'],
  [new NotFoundError('Model version 4').message, 'errors.modelNotFound'],
  [new StoreNotFoundError('Image 17').message, 'errors.imageNotFound'],
  [new StoreNotFoundError('Class 3').message, 'errors.classNotFound'],
  [new NotFoundError('Inspection 9').message, 'errors.inspectionNotFound'],
  ['Model version 2 is active. Activate another version before deleting it.', 'errors.modelActive'],
  ['A class named "scratch" already exists. Choose another name.', 'errors.classExists'],
  ['A class named "scratch" already exists. Merge the classes instead of renaming.', 'errors.classRenameClash'],
  ['A class cannot be merged into itself.', 'errors.mergeSelf'],
  ['A class name cannot be empty.', 'errors.classNameEmpty'],
  ['A training run is already in progress. Wait for it or cancel it first.', 'errors.trainingRunning'],
  ['A training run is already in progress in another project (/p/b.dsproj). Wait for it or cancel it first.', 'errors.trainingRunningElsewhere'],
  ['An import is already running. Wait for it to finish or cancel it first.', 'errors.importRunning'],
  ['No classifier is active. Train one on the Train screen (or activate a version) to get suggestions.', 'errors.noClassifier'],
  ['"dent" is not a class of this project (free, scratch). Pick one of them.', 'errors.notAClass'],
  ['Export folder "/tmp/x" is not empty. Choose an empty or new folder.', 'errors.exportNotEmpty'],
  ['"line1.dsmodel" is not a full path: give the whole path, e.g. /home/me/line1.dsmodel.', 'errors.notFullPath'],
  ['No active model yet: the new model is activated.', 'server.gateFirst'],
  ['Defect recall would drop from 90.0% (v2) to 80.0%: the active model stays.', 'server.gateRecallDrop'],
  ['Defect recall 95.0% (was 90.0%) and accuracy 97.0% (was 96.0%) on the same validation images: the new model is activated.', 'server.gateBetter'],
  ['Accuracy 80.0% is below the 96.8% of always answering "free": this model is worse than no model. Label more defect images or check the labels, then retrain.', 'server.warnBelowBaseline'],
  ['No defect image of the validation set was caught (2 of 2 passed as "free").', 'server.warnNoneCaught'],
  ['folder is not part of the ImageFolder layout (train/, val/, unlabelled/)', 'server.notImageFolderPart'],
  [RANDOM_INIT_WARNING, 'server.weightsRandom'],
  [new BackboneDownloadError('https://download.pytorch.org/models/resnet18-f37072fd.pth', 'HTTP 404').message, 'server.weightsDownloadFailed']
]

/** The constant part of each copied sentence, which must still be in the services' source. */
const STEMS = ['folder is not part of the ImageFolder layout (train/, val/, unlabelled/)', 'No active model yet: the new model is activated.', 'the active model stays.', 'on the same validation images: the new model is activated.', 'of always answering', 'this model is worse than no model.', 'No defect image of the validation set was caught', 'Every good image of the validation set was rejected', 'is active. Activate another version before deleting it.', 'already exists. Choose another name.', 'already exists. Merge the classes instead of renaming.', 'A class cannot be merged into itself.', 'A class name cannot be empty.', 'A training run is already in progress', ' in another project (', '. Wait for it or cancel it first.', 'An import is already running.', 'No classifier is active.', 'is not a class of this project', 'is not empty. Choose an empty or new folder.', 'is not a full path']

const SERVICE_SOURCES = Object.values(import.meta.glob<string>(['/electron/services/**/*.ts', '/electron/store/**/*.ts', '/electron/engine/train/**/*.ts'], { query: '?raw', import: 'default', eager: true }))

describe('server messages in the user language', () => {
  afterEach(() => {
    createAppI18n('en')
  })

  it('recognises the services’ own sentences', () => {
    for (const [sentence, key] of SAMPLES) expect(localizeServerMessage(sentence)?.key, sentence).toBe(key)
  })

  it('the copied sentences are still the ones the services write', () => {
    const all = SERVICE_SOURCES.join('\n')
    expect(SERVICE_SOURCES.length).toBeGreaterThan(20)
    for (const stem of STEMS) expect(all, stem).toContain(stem)
  })

  it('English shows the services’ sentence unchanged; Chinese rewrites it, keeping names and numbers', () => {
    const error = new ApiError('classes:create', { code: 'conflict', message: 'A class named "scratch" already exists. Choose another name.' })
    expect(errorMessage(error)).toBe('A class named "scratch" already exists. Choose another name.')
    const i18n = createAppI18n('zh-CN')
    expect(i18n.global.locale.value).toBe('zh-CN')
    expect(errorMessage(error)).toBe('已有名为“scratch”的类别。请换一个名称。')
    expect(errorMessage(new ApiError('models:delete', { code: 'not-found', message: new NotFoundError('Model version 4').message }))).toBe('找不到模型版本 4。')
    for (const [sentence] of SAMPLES) {
      const zh = errorMessage(new ApiError('x', { code: 'failed', message: sentence }))
      // What is left in Latin letters are the names the sentence carried (paths, class names).
      expect(zh.replace(/ImageNet|ResNet18 \.safetensors|https:\/\/\S+|HTTP 404|ImageFolder|train\/|val\/|unlabelled\/|“[^”]*”|\/[\w./-]+|[a-z]+\.dsproj|scratch|free|\.dsmodel|#rrggbb/g, ''), sentence).not.toMatch(/[A-Za-z]{3,}/)
    }
  })

  it('an unknown sentence keeps its detail under a sentence for its code; one that is not an error is shown as sent', () => {
    createAppI18n('zh-CN')
    expect(serverMessage('Some new engine remark.')).toBe('Some new engine remark.')
    expect(errorMessage(new ApiError('x', { code: 'failed', message: '"x" failed: disk on fire' }))).toBe('操作失败："x" failed: disk on fire')
    expect(errorMessage(new ApiError('x', { code: 'no-project', message: 'anything' }))).toBe('没有打开的项目。请先新建或打开一个项目。')
  })

  it('every import refusal code has a Chinese reason', () => {
    createAppI18n('zh-CN')
    for (const code of REJECT_CODES) expect(rejectReason(code, 'english reason').replace(/JPEG|PNG|WebP|TIFF/g, '')).not.toMatch(/[A-Za-z]{3,}/)
    expect(rejectReason('some-new-code', 'english reason')).toBe('english reason')
  })
})
