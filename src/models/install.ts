/**
 * Writes a byte stream to its final path only once it is proven to be the expected file: bytes go
 * to a hidden temp file in the same folder (so the final rename is atomic on one filesystem) while
 * being hashed; the rename happens only when size and SHA-384 match. Any failure, including a
 * dropped connection, deletes the temp file, so the final name never holds a partial or wrong file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, unlinkSync } from 'node:fs';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FaceReidError } from '../errors';
import type { ModelFileFacts } from './manifest';
import { hashMismatch, sizeMismatch } from './verify';

// Temp files of transfers in flight, so a CLI signal handler can remove them before exiting.
const inFlight = new Set<string>();

/** Deletes the temp files of transfers still in flight (synchronously: for signal handlers). */
export function removeInFlightTempFiles(): void {
  for (const path of inFlight) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  inFlight.clear();
}

function tempName(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}.part`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files that a killed process left for `finalPath` (a SIGKILL gives no chance to clean
 * up). Files of live processes are left alone: another fetch may be writing them right now.
 */
export async function removeStaleTempFiles(finalPath: string): Promise<void> {
  const prefix = `.${basename(finalPath)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(finalPath));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    const match = /^(\d+)-[0-9a-f]+\.part$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const path = join(dirname(finalPath), name);
    const pid = Number(match[1]);
    if ((pid === process.pid && !inFlight.has(path)) || (pid !== process.pid && !isAlive(pid))) {
      await unlink(path).catch(() => undefined);
    }
  }
}

export interface InstallOptions {
  /** Names the source in error messages ("Download of https://...", "Copy of /x/y.bin"). */
  subject: string;
  /** Called with the size of every chunk written. */
  onBytes?: (n: number) => void;
}

export async function installVerified(source: Readable, finalPath: string, facts: ModelFileFacts, options: InstallOptions): Promise<void> {
  await mkdir(dirname(finalPath), { recursive: true });
  await removeStaleTempFiles(finalPath);
  const temp = tempName(finalPath);
  inFlight.add(temp);
  try {
    const hash = createHash('sha384');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        // Stop as soon as the source is known to be wrong instead of writing a huge bogus body.
        if (bytes > facts.size) {
          callback(sizeMismatch(options.subject, facts.size, `more than ${facts.size}`));
          return;
        }
        hash.update(chunk);
        options.onBytes?.(chunk.length);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(temp, { flags: 'wx' }));
    } catch (err) {
      // Size and hash failures pass through; transport failures get the byte count that explains them.
      if (err instanceof FaceReidError && err.code !== 'DOWNLOAD_FAILED') throw err;
      throw new FaceReidError(`${options.subject} was interrupted after ${bytes} of ${facts.size} bytes: ${(err as Error).message}`, 'DOWNLOAD_FAILED');
    }
    if (bytes !== facts.size) throw sizeMismatch(options.subject, facts.size, String(bytes));
    const actual = hash.digest('hex');
    if (actual !== facts.sha384) throw hashMismatch(options.subject, facts.sha384, actual);
    // Flush to disk before the rename so a crash cannot leave a verified name over unwritten blocks.
    const handle = await open(temp, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, finalPath);
    inFlight.delete(temp);
  } finally {
    if (inFlight.delete(temp)) await unlink(temp).catch(() => undefined);
  }
}
