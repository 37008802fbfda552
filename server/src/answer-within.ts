/**
 * `work`'s result, or an error once it is still pending after `ms` (`<what> did not answer within
 * <ms> ms`). The work itself is not withdrawn (a client cannot take back what it wrote); its late
 * answer, or late failure, is ignored.
 *
 * @example
 * await answerWithin(storage.ping(), 2_000, 'storage');
 */
export function answerWithin<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined); // a failure after the timeout is not unhandled
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
