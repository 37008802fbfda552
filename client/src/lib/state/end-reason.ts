/** Why a signed-in session ended: its token `expired`, or it was `ended` (signed out, account changed). */
export type EndReason = 'expired' | 'ended';

/** The reason refusals (their error codes, from REST, sync or the live channel) give for ending the session. */
export function endReasonOf(...codes: Array<string | undefined>): EndReason {
  return codes.includes('TOKEN_EXPIRED') ? 'expired' : 'ended';
}
