/**
 * How good a view of a face is, from what the pipeline already has: the box (size), the five
 * landmarks (frontality) and the frame's pixels under the box (sharpness). The tracker's embed
 * policy embeds a face again only for a clearly better view, identity evidence is weighted by it,
 * and enrolment from a stream picks the best views by it.
 */
import type { RawImage } from '../image';
import type { Box } from '../pipeline/detector';

export interface ViewQuality {
  /** Face side in frame pixels (square root of the box area). */
  size: number;
  /** 0 (profile, or landmarks folded) .. 1 (eyes and mouth corners symmetric about the nose, level eyes). */
  frontality: number;
  /** Variance of the Laplacian of the gray face, sampled at SHARPNESS_SIDE² points (0 = flat). */
  sharpness: number;
  /** The three combined into 0..1; higher is better. */
  score: number;
}

/**
 * A face side at and above which size stops mattering: the re-identification input is 128x128
 * and the landmark regressor's is 48x48, so a 96-pixel face already fills them with detail.
 */
export const FULL_SIZE = 96;
/** Side of the gray grid the sharpness is measured on: 48² = 2304 samples, a few microseconds. */
export const SHARPNESS_SIDE = 48;
/**
 * Laplacian variance at which sharpness counts half. On faces resampled to 48² a crisp face gives
 * several hundred and a motion-blurred or defocused one a few tens, so this sits between.
 */
export const SHARPNESS_HALF = 60;

/**
 * Frontality from the landmarks (left eye, right eye, nose tip, left and right mouth corner):
 * a turned head moves the nose towards one eye and one mouth corner, so the ratio of the shorter
 * to the longer horizontal distance, for eyes and for mouth, falls from 1 towards 0; a tilted head
 * is measured by the eye line's angle. Horizontal means along the eye line, so roll does not
 * count as yaw.
 */
export function frontality(landmarks: readonly (readonly [number, number])[]): number {
  if (landmarks.length < 5) return 0;
  const [le, re, nose, lm, rm] = landmarks;
  const ex = re[0] - le[0];
  const ey = re[1] - le[1];
  const eyeDistance = Math.hypot(ex, ey);
  if (!(eyeDistance > 0)) return 0;
  const ux = ex / eyeDistance;
  const uy = ey / eyeDistance;
  const along = (p: readonly [number, number]) => (p[0] - nose[0]) * ux + (p[1] - nose[1]) * uy;
  const symmetry = (left: number, right: number) => {
    // left < 0 < right for a frontal face; anything else means the points are folded over.
    const l = -left;
    const r = right;
    if (!(l > 0 && r > 0)) return 0;
    return Math.min(l, r) / Math.max(l, r);
  };
  const eyes = symmetry(along(le), along(re));
  const mouth = symmetry(along(lm), along(rm));
  const roll = Math.max(0, ux); // cos of the eye line's angle; negative: upside down
  return Math.sqrt(eyes * mouth) * roll;
}

// Reused between calls: the sampling grid never escapes this module.
const gray = new Float32Array(SHARPNESS_SIDE * SHARPNESS_SIDE);

/**
 * Variance of the 4-neighbour Laplacian over the box resampled to SHARPNESS_SIDE² gray points
 * (nearest sample, luma from the pixel order; an I420 frame's Y plane as it is). Resampling to a fixed grid makes faces of different
 * sizes comparable and bounds the cost; JavaScript is enough at 2304 samples.
 */
export function sharpness(image: RawImage, box: Box): number {
  const { width, height, channels } = image;
  const stride = image.stride ?? width * channels;
  const data = image.data;
  const order = image.order ?? (channels === 1 ? 'gray' : channels === 3 ? 'rgb' : 'rgba');
  const redFirst = order === 'rgb' || order === 'rgba';
  const planar = order === 'i420';
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(width, Math.ceil(box.x + box.width));
  const y1 = Math.min(height, Math.ceil(box.y + box.height));
  if (x1 - x0 < 3 || y1 - y0 < 3) return 0;
  const n = SHARPNESS_SIDE;
  const sx = (x1 - x0) / n;
  const sy = (y1 - y0) / n;
  for (let j = 0; j < n; j++) {
    const row = (y0 + Math.min(y1 - y0 - 1, Math.floor((j + 0.5) * sy))) * stride;
    for (let i = 0; i < n; i++) {
      const p = row + (x0 + Math.min(x1 - x0 - 1, Math.floor((i + 0.5) * sx))) * channels;
      let v: number;
      // I420 luma is limited range (16..235): stretched to the 0..255 of the RGB formula.
      if (planar) v = 1.16438356 * (data[p] - 16);
      else if (channels === 1) v = data[p];
      else {
        const r = data[redFirst ? p : p + 2];
        const b = data[redFirst ? p + 2 : p];
        v = 0.299 * r + 0.587 * data[p + 1] + 0.114 * b;
      }
      gray[j * n + i] = v;
    }
  }
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let j = 1; j < n - 1; j++) {
    for (let i = 1; i < n - 1; i++) {
      const k = j * n + i;
      const lap = gray[k - 1] + gray[k + 1] + gray[k - n] + gray[k + n] - 4 * gray[k];
      sum += lap;
      sumSq += lap * lap;
      count++;
    }
  }
  const mean = sum / count;
  return Math.max(0, sumSq / count - mean * mean);
}

/** Size, frontality and sharpness of one view, and their product-like combination. */
export function viewQuality(image: RawImage, box: Box, landmarks: readonly (readonly [number, number])[]): ViewQuality {
  const size = Math.sqrt(Math.max(0, box.width) * Math.max(0, box.height));
  const front = frontality(landmarks);
  const sharp = sharpness(image, box);
  return { size, frontality: front, sharpness: sharp, score: combineQuality(size, front, sharp) };
}

/**
 * Geometric-style combination: a view must be good on all three counts to score high, but
 * frontality weighs most because a profile embeds worst of all.
 */
export function combineQuality(size: number, front: number, sharp: number): number {
  const sizeTerm = Math.min(1, size / FULL_SIZE);
  const sharpTerm = sharp / (sharp + SHARPNESS_HALF);
  return front * Math.sqrt(sizeTerm) * (0.5 + 0.5 * sharpTerm);
}
