import { Writable } from 'node:stream';

/**
 * Writes `chunk` and, when the destination's buffer is full, waits for it to drain (back-pressure).
 * Resolves false when the destination was closed or failed (the client went away): stop producing.
 */
export async function writeWithBackPressure(out: Writable, chunk: string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
  return !out.destroyed;
}
