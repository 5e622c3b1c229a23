/**
 * Draws faces on a photo: boxes, the five landmarks and a caption (score, or a gallery label and
 * similarity), as an SVG overlay composited by sharp. EXIF orientation is applied first so the
 * drawing lands where the pipeline (which also honours it) found the faces.
 */
import sharp from 'sharp';

export interface Annotation {
  box: { x: number; y: number; width: number; height: number };
  landmarks?: readonly (readonly [number, number])[];
  caption?: string;
  /** Known people green, unknown ones orange. */
  color?: string;
}

const LANDMARK_COLORS = ['#00e5ff', '#00e5ff', '#ff4081', '#ffd600', '#ffd600'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

export function overlaySvg(width: number, height: number, annotations: readonly Annotation[]): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 300));
  const font = Math.max(12, Math.round(Math.min(width, height) / 45));
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`];
  for (const a of annotations) {
    const color = a.color ?? '#00c853';
    const { x, y, width: w, height: h } = a.box;
    parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`);
    a.landmarks?.forEach(([px, py], k) => {
      parts.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="${stroke * 1.5}" fill="${LANDMARK_COLORS[k % 5]}" stroke="black" stroke-width="1"/>`);
    });
    if (a.caption) {
      const textWidth = a.caption.length * font * 0.6 + 8;
      const ty = y >= font + 6 ? y - font - 6 : y + h;
      parts.push(`<rect x="${x.toFixed(1)}" y="${ty.toFixed(1)}" width="${textWidth.toFixed(1)}" height="${font + 6}" fill="${color}"/>`);
      parts.push(`<text x="${(x + 4).toFixed(1)}" y="${(ty + font).toFixed(1)}" font-size="${font}" fill="black">${escapeXml(a.caption)}</text>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes `input` with the annotations drawn to `outFile` (format from its extension). */
export async function writeAnnotated(input: string | Buffer, annotations: readonly Annotation[], outFile: string): Promise<void> {
  const oriented = await sharp(input).rotate().toBuffer({ resolveWithObject: true });
  const { width, height } = oriented.info;
  const svg = overlaySvg(width, height, annotations);
  await sharp(oriented.data).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).toFile(outFile);
}
