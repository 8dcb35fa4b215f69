/**
 * Exit codes, one per outcome a script may want to branch on (README "The CLI"). 0 is success: the
 * command did what was asked and, for `up` and `show`, the batch is RUNNING (or still on its way, without
 * --wait). Codes 3-6 are how a batch ended; 2, 7 and 8 are why nothing could be asked.
 */
export const EXIT = {
  ok: 0,
  /** The API refused the request (400, 404, 409...): its message and field are printed. */
  refused: 1,
  /** Bad command line: usage printed. */
  usage: 2,
  partial: 3,
  failed: 4,
  timedOut: 5,
  cancelled: 6,
  /** Missing or unknown token (401), or the token's scope forbids it (403). */
  auth: 7,
  /** The API could not be reached, or answered 5xx (retry later: `up` with the same --key is safe). */
  unreachable: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for a batch in `status`: its outcome when it ended, 0 while it is on its way. */
export function exitForStatus(status: string): ExitCode {
  switch (status) {
    case 'PARTIAL':
      return EXIT.partial;
    case 'FAILED':
      return EXIT.failed;
    case 'TIMED_OUT':
      return EXIT.timedOut;
    case 'CANCELLED':
      return EXIT.cancelled;
    default:
      return EXIT.ok;
  }
}
