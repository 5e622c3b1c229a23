/**
 * BT.601 limited-range YUV <-> RGB for the few pixels JavaScript touches in I420 frames (a
 * snapshot's crop, the overlay's boxes and captions): the same coefficients as the native
 * sampler (native/kernels/yuv.hpp), so a frame looks the same through either path.
 */
import type { RawImage } from './raw-image';

const clamp8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/** [Y, U, V] of one RGB colour, rounded to bytes. */
export function rgbToYuv(r: number, g: number, b: number): [number, number, number] {
  return [
    clamp8(16 + 0.25678824 * r + 0.50412941 * g + 0.09790588 * b),
    clamp8(128 - 0.14822290 * r - 0.29099279 * g + 0.43921569 * b),
    clamp8(128 + 0.43921569 * r - 0.36778831 * g - 0.07142737 * b),
  ];
}

/** Byte offsets of the U and V planes and their row length in an I420 image. */
export function i420Layout(image: { width: number; height: number; stride?: number }): { u: number; v: number; cStride: number } {
  const stride = image.stride ?? image.width;
  const cStride = Math.ceil(image.width / 2);
  const u = stride * image.height;
  return { u, v: u + cStride * Math.ceil(image.height / 2), cStride };
}

/** The rectangle [x0, x0 + width) x [y0, y0 + height) of an I420 image as packed RGB bytes. */
export function i420CropToRgb(image: RawImage, x0: number, y0: number, width: number, height: number): Buffer {
  const { u, v, cStride } = i420Layout(image);
  const stride = image.stride ?? image.width;
  const d = image.data;
  const out = Buffer.allocUnsafe(width * height * 3);
  let o = 0;
  for (let y = y0; y < y0 + height; y++) {
    const row = y * stride;
    const cRow = (y >> 1) * cStride;
    for (let x = x0; x < x0 + width; x++) {
      const l = 1.16438356 * (d[row + x]! - 16);
      const cu = d[u + cRow + (x >> 1)]! - 128;
      const cv = d[v + cRow + (x >> 1)]! - 128;
      out[o++] = clamp8(l + 1.59602679 * cv);
      out[o++] = clamp8(l - 0.39176229 * cu - 0.81296765 * cv);
      out[o++] = clamp8(l + 2.01723214 * cu);
    }
  }
  return out;
}
