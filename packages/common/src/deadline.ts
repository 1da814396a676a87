/**
 * Races `pending` against a timer and always clears the timer, so no caller can forget to. The
 * pending work is abandoned, not cancelled: callers that can cancel pass an AbortSignal of their own
 * and `onLate` to dispose of a value that arrives after the deadline (an opened stream, say).
 */
export async function withDeadline<T>(
  pending: Promise<T>,
  timeoutMs: number,
  timeoutError: () => Error,
  onLate?: (value: T) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), timeoutMs);
  });
  try {
    return await Promise.race([pending, deadline]);
  } catch (err) {
    if (onLate) pending.then(onLate, () => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with true when `pending` settles first, false when `timeoutMs` passes first; never rejects. */
export async function settlesWithin(pending: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      pending.then(
        () => true as const,
        () => true as const,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
