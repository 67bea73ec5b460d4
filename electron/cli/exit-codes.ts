import type { CallErrorCode } from '../../shared/contract/define'

/**
 * The exit status of a failed command, by contract error code (the same code `--json` prints
 * as `code`). 2 stays "wrong usage" (bad flags or values); 1 is any other failure.
 */
export const EXIT_CODE: Readonly<Record<CallErrorCode, number>> = {
  failed: 1,
  'invalid-payload': 2,
  'not-found': 3,
  conflict: 4,
  busy: 5,
  'bad-image': 6,
  'no-project': 7,
  'engine-crashed': 8,
  'engine-unavailable': 9,
  cancelled: 130,
  'unknown-channel': 1,
  'untrusted-sender': 1
}
