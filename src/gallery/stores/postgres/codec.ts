/**
 * Embeddings to and from pgvector, exactly: every node's matrix must hold the same float32 bits
 * as the database.
 *
 * Out: the text literal `[x,y,...]`, each float32 widened to a double and printed shortest-exact,
 * which pgvector's strtof parses back to the same float32. In: `vector_send(embedding)` (pgvector's
 * binary form: int16 dimensions, int16 unused, then big-endian float4s), which reaches us as a
 * Buffer and is byte-swapped into the gallery's little-endian float32 rows. That is both exact and
 * far cheaper than parsing 256 decimal numbers per sample.
 */
import { FaceReidError } from '../../../errors';
import { EMBEDDING_BYTES, EMBEDDING_SIZE } from '../../embedding';

export function vectorLiteral(unit: Float32Array): string {
  return `[${Array.prototype.join.call(unit, ',')}]`;
}

const HEADER = 4;

/** A `vector_send` value as the 1024 little-endian bytes of a matrix row. */
export function rowBytes(sent: Buffer): Uint8Array {
  if (sent.byteLength !== HEADER + EMBEDDING_BYTES || sent.readInt16BE(0) !== EMBEDDING_SIZE) {
    throw new FaceReidError(`a stored embedding has ${sent.byteLength >= 2 ? sent.readInt16BE(0) : 0} dimensions, expected ${EMBEDDING_SIZE}`, 'GALLERY_CORRUPT');
  }
  const out = new Uint8Array(EMBEDDING_BYTES);
  for (let i = 0; i < EMBEDDING_BYTES; i += 4) {
    out[i] = sent[HEADER + i + 3];
    out[i + 1] = sent[HEADER + i + 2];
    out[i + 2] = sent[HEADER + i + 1];
    out[i + 3] = sent[HEADER + i];
  }
  return out;
}

export function toFloat32(sent: Buffer): Float32Array {
  return new Float32Array(rowBytes(sent).buffer);
}
