import type { CallErrorCode } from '../../../shared/contract/define'

/**
 * The services answer in English (the CLI prints the same sentences). The renderer shows
 * them in the user's language: a message it knows is matched by pattern and rewritten from
 * the catalogue (`errors.*`, with the names and numbers it carries); any other message falls
 * back to a sentence for its error code plus the server's own detail, so nothing is lost.
 * Keep the patterns in step with the services' messages (tests/renderer/server-messages.test.ts
 * feeds it the real sentences).
 */
export interface Localized {
  key: string
  params?: Record<string, string>
}

const PATTERNS: Array<[RegExp, string]> = [
  [/^No project is open\b/, 'errors.noProject'],
  [/^The project(?: "(?<file>.+)")? is busy: /, 'errors.busy'],
  [/^Model version (?<version>\d+) was not found\.$/, 'errors.modelNotFound'],
  [/^Model version (?<version>\d+) is active\. /, 'errors.modelActive'],
  [/^Image (?<id>\d+) was not found\.$/, 'errors.imageNotFound'],
  [/^Class (?<id>\d+) was not found\.$/, 'errors.classNotFound'],
  [/^Inspection (?<id>\d+) was not found\.$/, 'errors.inspectionNotFound'],
  [/^Training run (?<id>\d+) was not found\.$/, 'errors.runNotFound'],
  [/^A class named "(?<name>.+)" already exists\. Merge/, 'errors.classRenameClash'],
  [/^A class named "(?<name>.+)" already exists\./, 'errors.classExists'],
  [/^A class cannot be merged into itself\./, 'errors.mergeSelf'],
  [/^A class name cannot be empty\./, 'errors.classNameEmpty'],
  [/^Class name "(?<name>.+)" is longer than 100 characters\./, 'errors.classNameLong'],
  [/^A class name cannot contain control characters\./, 'errors.classNameControl'],
  [/^Colour "(?<colour>.+)" is not of the form #rrggbb\./, 'errors.colour'],
  [/^A training run is already in progress in another project \((?<file>.+)\)\./, 'errors.trainingRunningElsewhere'],
  [/^A training run is already in progress\./, 'errors.trainingRunning'],
  [/^An import is already running\./, 'errors.importRunning'],
  [/^An anomaly model is already being fitted\./, 'errors.anomalyRunning'],
  [/^No classifier is active\./, 'errors.noClassifier'],
  [/^The project has no active classifier\./, 'errors.noClassifier'],
  [/^The project has no good class\./, 'errors.noGoodClass'],
  [/^The project has no active model to export\./, 'errors.noModelToExport'],
  [/^No files were given to import\./, 'errors.noFiles'],
  [/^Inspection is not running/, 'errors.inspectionNotRunning'],
  [/^Choose the hot folder to watch\./, 'errors.chooseHotFolder'],
  [/^The frame is empty; check the camera\./, 'errors.emptyFrame'],
  [/^"(?<name>.+)" is not a class of this project \((?<known>.*)\)\./, 'errors.notAClass'],
  [/^Setting "(?<key>[^"]+)" was not saved: (?<detail>.*)$/, 'errors.settingNotSaved'],
  [/^"(?<file>.+)" is not a full path/, 'errors.notFullPath'],
  [/^"(?<file>.+)" is not a model package/, 'errors.notPackage'],
  [/^(?<file>.+) already exists: choose a new file name\./, 'errors.fileExists'],
  [/^Export folder "(?<dir>.+)" is not empty\./, 'errors.exportNotEmpty'],
  [/^"(?<dir>.+)" is a file\. Choose a folder to export to\./, 'errors.exportIsFile'],
  [/^(?<what>.+) "(?<path>.+)" must be an absolute path\./, 'errors.notAbsolute'],
  [/^(?<what>.+) "(?<path>.+)" was not found\./, 'errors.pathNotFound'],
  [/^(?<what>.+) "(?<path>.+)" is not a folder\b/, 'errors.notAFolder'],
  [/^(?<what>.+) "(?<path>.+)" is not a regular file\b/, 'errors.notAFile'],
  // Not errors: what a finished run says (engine/train/gate.ts, training-service.ts) and the
  // warnings stored with a model's metrics (engine/train/pass-fail.ts).
  [/^No active model yet: the new model is activated\./, 'server.gateFirst'],
  [/^The class list changed \((?<from>.*) → (?<to>.*)\): activate the new model yourself/, 'server.gateClassesChanged'],
  [/^Defect recall would drop from (?<from>.+?) \(v(?<version>\d+)\) to (?<to>.+?): the active model stays\./, 'server.gateRecallDrop'],
  [/^Accuracy would drop from (?<from>.+?) \(v(?<version>\d+)\) to (?<to>.+?): the active model stays\./, 'server.gateAccuracyDrop'],
  [/^Defect recall (?<recall>.+?) \(was (?<wasRecall>.+?)\) and accuracy (?<accuracy>.+?) \(was (?<wasAccuracy>.+?)\) on the same validation images: the new model is activated\./, 'server.gateBetter'],
  [/^Training was cancelled; start it again/, 'server.trainingCancelled'],
  [/^No pretrained backbone weights: training starts from random initialisation/, 'server.weightsRandom'],
  [/^Downloading backbone weights from (?<url>\S+) failed: (?<detail>.*)$/, 'server.weightsDownloadFailed'],
  [/^folder is not part of the ImageFolder layout \(train\/, val\/, unlabelled\/\)$/, 'server.notImageFolderPart'],
  [/^Quick retrain was cancelled\./, 'server.quickCancelled'],
  [/^No class is marked good, so no part can pass or fail\./, 'server.warnNoGood'],
  [/^Accuracy (?<accuracy>.+?) is below the (?<baseline>.+?) of always answering "(?<good>.+)": this model is worse than no model\./, 'server.warnBelowBaseline'],
  [/^No defect image of the validation set was caught \((?<missed>\d+) of (?<defects>\d+) passed as "(?<good>.+)"\)\./, 'server.warnNoneCaught'],
  [/^Every good image of the validation set was rejected \((?<rejected>\d+) of (?<good>\d+)\)\./, 'server.warnAllRejected']
]

/** Sentences for each error code, used when the message itself is not one we know. */
const BY_CODE: Record<CallErrorCode, string> = {
  'unknown-channel': 'errors.code.unknownChannel',
  'invalid-payload': 'errors.code.invalidPayload',
  'untrusted-sender': 'errors.code.untrustedSender',
  'not-found': 'errors.code.notFound',
  conflict: 'errors.code.conflict',
  failed: 'errors.code.failed',
  cancelled: 'errors.code.cancelled',
  'no-project': 'errors.noProject',
  busy: 'errors.code.busy',
  'bad-image': 'errors.code.badImage',
  'engine-crashed': 'errors.code.engineCrashed',
  'engine-unavailable': 'errors.code.engineUnavailable'
}

/** The catalogue entry for a sentence; null for one we do not know that is not an error. */
export function localizeServerMessage(message: string, code?: CallErrorCode): Localized | null {
  for (const [re, key] of PATTERNS) {
    const m = re.exec(message)
    if (m) return { key, params: { ...(m.groups ?? {}) } }
  }
  if (code === 'no-project') return { key: BY_CODE['no-project'] }
  return code ? { key: BY_CODE[code], params: { detail: message } } : null
}

/** Why an imported file was refused (the services' RejectCode), in the user's language. */
export const REJECT_CODES = ['not-found', 'not-a-file', 'symlink-loop', 'unreadable', 'empty', 'file-too-large', 'not-an-image', 'unsupported-format', 'too-many-pixels', 'too-large-dimensions', 'corrupt', 'bad-class-name'] as const

export function rejectReasonKey(code: string): string | null {
  return (REJECT_CODES as readonly string[]).includes(code) ? `errors.reject.${code}` : null
}
