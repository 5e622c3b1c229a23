/**
 * The drawing of annotate.ts (boxes, landmarks, a caption on a coloured band) done straight on
 * raw frames (3-channel or I420), for video: no encode/decode round trip per frame. Box and point pixels
 * are written directly; a caption is rendered once by sharp (SVG text, as annotate.ts does) into
 * a small RGBA patch, cached by its text, colour and size, and blended in.
 */
import sharp from 'sharp';
import { outOfRange } from '../errors';
import { i420Layout, rgbToYuv, type RawImage } from '../image';
import type { Annotation } from './annotate';

const LANDMARK_COLORS = ['#00e5ff', '#00e5ff', '#ff4081', '#ffd600', '#ffd600'];
const CACHED_CAPTIONS = 512;

type Rgb = [number, number, number];

function parseColor(color: string): Rgb {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex) throw outOfRange('a colour as #rrggbb', 'annotation.color', color);
  const n = parseInt(hex[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

interface Patch {
  data: Buffer;
  width: number;
  height: number;
}

/** Draws annotations on frames of one size; keeps its caption patches between frames. */
export class RawOverlay {
  readonly #captions = new Map<string, Patch>();
  readonly #stroke: number;
  readonly #font: number;

  constructor(width: number, height: number) {
    // The same proportions as annotate.ts's overlaySvg, so photos and videos look alike.
    this.#stroke = Math.max(2, Math.round(Math.min(width, height) / 300));
    this.#font = Math.max(12, Math.round(Math.min(width, height) / 45));
  }

  /** Draws into `image.data` in place (3 channels, 'bgr' or 'rgb', or an 'i420' frame). */
  async draw(image: RawImage, annotations: readonly Annotation[]): Promise<void> {
    const canvas = canvasOf(image);
    const fill = (x0: number, y0: number, x1: number, y1: number, color: Rgb) => {
      const xa = Math.max(0, Math.round(x0));
      const xb = Math.min(image.width, Math.round(x1));
      const ya = Math.max(0, Math.round(y0));
      const yb = Math.min(image.height, Math.round(y1));
      for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) canvas.put(x, y, color);
    };
    const s = this.#stroke;
    for (const a of annotations) {
      const color = parseColor(a.color ?? '#00c853');
      const { x, y, width: w, height: h } = a.box;
      fill(x - s / 2, y - s / 2, x + w + s / 2, y + s / 2, color);
      fill(x - s / 2, y + h - s / 2, x + w + s / 2, y + h + s / 2, color);
      fill(x - s / 2, y, x + s / 2, y + h, color);
      fill(x + w - s / 2, y, x + w + s / 2, y + h, color);
      a.landmarks?.forEach(([px, py], k) => {
        const r = s * 1.5;
        fill(px - r, py - r, px + r, py + r, parseColor(LANDMARK_COLORS[k % 5]!));
      });
      if (a.caption) {
        const patch = await this.#caption(a.caption, a.color ?? '#00c853');
        const top = y >= patch.height ? y - patch.height : y + h;
        blendPatch(image, canvas, patch, Math.round(x), Math.round(top));
      }
    }
  }

  async #caption(text: string, color: string): Promise<Patch> {
    const key = `${color}|${text}`;
    const cached = this.#captions.get(key);
    if (cached) return cached;
    const font = this.#font;
    const width = Math.ceil(text.length * font * 0.6 + 8);
    const height = font + 6;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="${width}" height="${height}" fill="${color}"/><text x="4" y="${font}" font-size="${font}" fill="black">${escapeXml(text)}</text></svg>`;
    const data = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer();
    const patch = { data, width, height };
    // Captions carry changing numbers (similarities): keep the cache from growing without end.
    if (this.#captions.size >= CACHED_CAPTIONS) this.#captions.delete(this.#captions.keys().next().value!);
    this.#captions.set(key, patch);
    return patch;
  }
}

/** Where drawing writes: one pixel set to a colour, or mixed with it by alpha (0..255). */
interface Canvas {
  put(x: number, y: number, color: Rgb): void;
  mix(x: number, y: number, color: Rgb, alpha: number): void;
}

function canvasOf(image: RawImage): Canvas {
  const d = image.data;
  if (image.order === 'i420') {
    // Luma per pixel; a chroma sample covers 2x2 pixels and takes the colour of the last one
    // drawn on it (mixed once per sample: at its top-left pixel, or the first one drawn).
    const stride = image.stride ?? image.width;
    const { u, v, cStride } = i420Layout(image);
    const chroma = (x: number, y: number) => (y >> 1) * cStride + (x >> 1);
    return {
      put(x, y, [r, g, b]) {
        const [Y, U, V] = rgbToYuv(r, g, b);
        d[y * stride + x] = Y;
        const c = chroma(x, y);
        d[u + c] = U;
        d[v + c] = V;
      },
      mix(x, y, [r, g, b], a) {
        const [Y, U, V] = rgbToYuv(r, g, b);
        const o = y * stride + x;
        d[o] = (Y * a + d[o]! * (255 - a)) / 255;
        if ((x & 1) === 0 && (y & 1) === 0) {
          const c = chroma(x, y);
          d[u + c] = (U * a + d[u + c]! * (255 - a)) / 255;
          d[v + c] = (V * a + d[v + c]! * (255 - a)) / 255;
        }
      },
    };
  }
  if (image.channels !== 3) throw outOfRange('a 3-channel or i420 frame', 'image.channels', image.channels);
  const bgr = (image.order ?? 'rgb') === 'bgr';
  const stride = image.stride ?? image.width * 3;
  return {
    put(x, y, [r, g, b]) {
      const o = y * stride + x * 3;
      d[o] = bgr ? b : r;
      d[o + 1] = g;
      d[o + 2] = bgr ? r : b;
    },
    mix(x, y, [r, g, b], a) {
      const o = y * stride + x * 3;
      const [c0, c2] = bgr ? [b, r] : [r, b];
      d[o] = (c0 * a + d[o]! * (255 - a)) / 255;
      d[o + 1] = (g * a + d[o + 1]! * (255 - a)) / 255;
      d[o + 2] = (c2 * a + d[o + 2]! * (255 - a)) / 255;
    },
  };
}

/** Blends an RGBA patch with its top-left corner at (left, top), clipped to the image. */
function blendPatch(image: RawImage, canvas: Canvas, patch: Patch, left: number, top: number): void {
  const x0 = Math.max(0, left);
  const x1 = Math.min(image.width, left + patch.width);
  const y0 = Math.max(0, top);
  const y1 = Math.min(image.height, top + patch.height);
  const color: Rgb = [0, 0, 0];
  for (let y = y0; y < y1; y++) {
    let p = ((y - top) * patch.width + (x0 - left)) * 4;
    for (let x = x0; x < x1; x++, p += 4) {
      const a = patch.data[p + 3]!;
      if (a === 0) continue;
      color[0] = patch.data[p]!;
      color[1] = patch.data[p + 1]!;
      color[2] = patch.data[p + 2]!;
      canvas.mix(x, y, color, a);
    }
  }
}
