/** Polls `probe` until it returns a truthy value (returned) or `timeoutMs` passes (throws with the last state). */
export async function pollUntil<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, intervalMs = 200, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
