import { ApiError } from '../api/client'
import { currentLocale, translate } from './index'
import { localizeServerMessage, rejectReasonKey } from './server-messages'

/**
 * The message to show a person for any failure thrown by request(), in the app's language.
 * English shows the services' own sentence unchanged (the CLI prints the same one); other
 * languages get it from the catalogue (see server-messages.ts).
 */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return serverMessage(message, error instanceof ApiError ? error.code : 'failed')
}

/**
 * A sentence the services sent (an error, a reason, a warning) in the app's language. One
 * the catalogue does not know is shown as sent (under its error code's sentence for errors).
 */
export function serverMessage(message: string, code?: ApiError['code']): string {
  if (currentLocale() === 'en') return message
  const found = localizeServerMessage(message, code)
  return found ? translate(found.key, found.params) : message
}

/** Why an imported file was refused: the services' reason in English, its code's sentence otherwise. */
export function rejectReason(code: string, reason: string): string {
  const key = rejectReasonKey(code)
  if (currentLocale() === 'en' || !key) return reason
  return translate(key)
}
