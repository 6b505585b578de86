import { renameSync, writeFileSync, rmSync } from 'node:fs';
import { UsageError } from './errors.js';

/** Writes all or nothing: a temp file beside the target, renamed over it. Never a half-written file. */
export function writeFileAtomic(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new UsageError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
