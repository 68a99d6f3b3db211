/**
 * A task that runs in the background of a test (appending records while the
 * test waits for something else) fails the test as soon as it fails, not
 * only when it is finally awaited.
 */

/**
 * Returns a function that races a promise against `background`'s failure:
 * it settles as the promise does, unless `background` rejects first. That
 * `background` succeeds changes nothing.
 *
 * @example
 * const orAppendsFail = orFailureOf(appends)
 * await orAppendsFail(waitFor('the takeover', [survivor], () => survivor.holdsAll()))
 */
export function orFailureOf(background: Promise<unknown>): <T>(promise: Promise<T>) => Promise<T> {
  const failed = background.then(
    () => new Promise<never>(() => undefined),
    (err: unknown) => Promise.reject(err instanceof Error ? err : new Error(String(err))),
  )
  return (promise) => Promise.race([promise, failed])
}
