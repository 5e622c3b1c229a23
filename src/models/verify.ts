/**
 * Size and SHA-384 checks of model files against the manifest. Hashing a few MB costs tens of
 * milliseconds, which adds up when an application creates many engines, so a verified result is
 * remembered per (path, size, mtime, inode): any rewrite of the file (fetch renames a new file in,
 * an editor saves) changes one of those and forces a fresh hash.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { FaceReidError } from '../errors';
import type { ModelFileFacts } from './manifest';

export type FileStatus = 'verified' | 'missing' | 'size-mismatch' | 'hash-mismatch';

export interface FileCheck {
  status: FileStatus;
  path: string;
  size?: number;
  sha384?: string;
}

interface Remembered {
  size: number;
  mtimeMs: number;
  ino: number;
  sha384: string;
}

const remembered = new Map<string, Remembered>();
const stats = { hashed: 0, remembered: 0 };

/** How many checks hashed the file and how many were answered from memory (for tests and diagnostics). */
export function verificationStats(): { hashed: number; remembered: number } {
  return { ...stats };
}

/** Forgets every remembered result (the next check of each file hashes it again). */
export function clearVerificationCache(): void {
  remembered.clear();
}

export function sha384File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha384');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Compares the file at `path` with `facts` without throwing; the size check runs first because it is free. */
export async function checkFile(path: string, facts: ModelFileFacts): Promise<FileCheck> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return { status: 'missing', path };
    }
    throw err;
  }
  if (!info.isFile()) return { status: 'missing', path };
  if (info.size !== facts.size) return { status: 'size-mismatch', path, size: info.size };

  const known = remembered.get(path);
  let sha384: string;
  if (known && known.size === info.size && known.mtimeMs === info.mtimeMs && known.ino === info.ino) {
    stats.remembered++;
    sha384 = known.sha384;
  } else {
    stats.hashed++;
    sha384 = await sha384File(path);
    remembered.set(path, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha384 });
  }
  return { status: sha384 === facts.sha384 ? 'verified' : 'hash-mismatch', path, size: info.size, sha384 };
}

/** Throws MODEL_SIZE_MISMATCH / MODEL_HASH_MISMATCH naming expected and actual values; MODEL_NOT_FOUND if absent. */
export async function verifyFile(path: string, facts: ModelFileFacts): Promise<void> {
  const check = await checkFile(path, facts);
  assertVerified(check, facts);
}

export function assertVerified(check: FileCheck, facts: ModelFileFacts): void {
  switch (check.status) {
    case 'verified':
      return;
    case 'missing':
      throw new FaceReidError(`Model file not found: ${check.path}`, 'MODEL_NOT_FOUND');
    case 'size-mismatch':
      throw sizeMismatch(`Model file ${check.path}`, facts.size, `${check.size ?? 0}`);
    case 'hash-mismatch':
      throw hashMismatch(`Model file ${check.path}`, facts.sha384, check.sha384 ?? '');
  }
}

/** `subject` names what was checked ("Model file /x/y.bin", "Download of https://..."). */
export function sizeMismatch(subject: string, expected: number, actual: string): FaceReidError {
  return new FaceReidError(
    `${subject} has ${actual} bytes but the manifest expects ${expected}: it is truncated, corrupted or a different release`,
    'MODEL_SIZE_MISMATCH',
  );
}

export function hashMismatch(subject: string, expected: string, actual: string): FaceReidError {
  return new FaceReidError(
    `${subject} does not match the manifest: expected SHA-384 ${expected}, actual ${actual}`,
    'MODEL_HASH_MISMATCH',
  );
}
