/**
 * Identity thumbnails: a small JPEG of the face an identity was first enrolled with through the
 * service, kept as base64 under one key of the identity's meta (the gallery merges a sample's
 * extra meta keys into its identity), so both gallery backends store it with no schema change.
 * Listings leave it out (`withoutThumbnail`); GET /v1/identities/:label/thumbnail serves it.
 */
import sharp from 'sharp';
import type { Box } from '../pipeline/detector';

/** The identity meta key holding the thumbnail (base64 JPEG). */
export const THUMBNAIL_KEY = 'thumbnail';
/** Width and height of a thumbnail, pixels. */
export const THUMBNAIL_SIZE = 96;
/** Margin around the face box on each side, as a fraction of the box's longer side: hair and chin in view. */
const MARGIN = 0.25;

/** A THUMBNAIL_SIZE square JPEG of the face at `box` with a margin, clamped to the image. */
export async function makeThumbnail(image: Buffer, box: Box): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(image).metadata();
  const side = Math.max(box.width, box.height) * (1 + 2 * MARGIN);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const left = Math.max(0, Math.floor(cx - side / 2));
  const top = Math.max(0, Math.floor(cy - side / 2));
  const right = Math.min(width, Math.ceil(cx + side / 2));
  const bottom = Math.min(height, Math.ceil(cy + side / 2));
  return sharp(image)
    .extract({ left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) })
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'cover' })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** The thumbnail's JPEG bytes from an identity's meta, if it has one. */
export function thumbnailOf(meta: Record<string, unknown> | undefined): Buffer | undefined {
  const value = meta?.[THUMBNAIL_KEY];
  return typeof value === 'string' && value !== '' ? Buffer.from(value, 'base64') : undefined;
}

/** The meta without the thumbnail: listings stay small, the bytes have their own route. */
export function withoutThumbnail(meta: Record<string, unknown>): Record<string, unknown> {
  if (!(THUMBNAIL_KEY in meta)) return meta;
  const { [THUMBNAIL_KEY]: _thumbnail, ...rest } = meta;
  return rest;
}
