/**
 * Waiting on shared work under one caller's signal: the caller's abort ends the caller's wait,
 * never the work that other callers share (a cached discovery, a single-flight refresh).
 */

/** `work`, or a rejection with `signal.reason` as soon as the signal aborts, whichever is first. */
export function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
