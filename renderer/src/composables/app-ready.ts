/**
 * The signal end-to-end tests wait for (never a sleep): set once the first 'app:status'
 * call has succeeded, so the page is talking to real services.
 */
export function markAppReady(doc: Document = document): void {
  doc.body.dataset.appReady = 'true'
}
