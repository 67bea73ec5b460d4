import type { NoVerdictReason } from '../../../shared/contract/inspection'

/**
 * What each NO_VERDICT reason means for the person at the line, and what to do: printed
 * by `inspect`, sent in the JSONL log, the webhook and MQTT as `message` beside `reason`.
 */
export const NO_VERDICT_MESSAGES: Record<NoVerdictReason, string> = {
  'no-model': 'The project has no active model. Train one (defect-studio train) or import a model package.',
  'no-good-class':
    'The active model has no class marked good, so no part can pass. Mark the good class (Label screen, or defect-studio classes --project FILE --good NAME); no retraining is needed.',
  deadline: 'The verdict came later than the deadline; the part counts as rejected. Lower the image size or raise the deadline.',
  'engine-error': 'The inspection engine failed on this image; the part counts as rejected.',
  'camera-lost': 'The camera was lost when the part had to be inspected.',
  'bad-image': 'The image could not be read (not an image, truncated or too large).'
}

export function noVerdictMessage(reason: NoVerdictReason | null): string | null {
  return reason === null ? null : NO_VERDICT_MESSAGES[reason]
}
