/**
 * Small SVG charts rendered to PNG with sharp: ROC curves and benchmark bars. Text uses the
 * generic sans-serif family so it renders with whatever fonts the machine has.
 */
import sharp from 'sharp';

export interface Series {
  name: string;
  points: readonly { x: number; y: number }[];
  color?: string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xRange?: [number, number];
  yRange?: [number, number];
  /** Plot x on a log10 axis (ROC curves at low false-positive rates). */
  logX?: boolean;
  width?: number;
  height?: number;
}

export function lineChartSvg(o: LineChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 540;
  const m = { left: 70, right: 20, top: 44, bottom: 56 };
  const [x0, x1] = o.xRange ?? [0, 1];
  const [y0, y1] = o.yRange ?? [0, 1];
  const tx = (x: number) => {
    const t = o.logX ? (Math.log10(Math.max(x, x0)) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0)) : (x - x0) / (x1 - x0);
    return m.left + t * (width - m.left - m.right);
  };
  const ty = (y: number) => height - m.bottom - ((y - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="26" font-size="17" text-anchor="middle">${escapeXml(o.title)}</text>`,
  ];
  const xTicks = o.logX
    ? Array.from({ length: Math.round(Math.log10(x1 / x0)) + 1 }, (_, i) => x0 * 10 ** i)
    : Array.from({ length: 6 }, (_, i) => x0 + ((x1 - x0) * i) / 5);
  const yTicks = Array.from({ length: 6 }, (_, i) => y0 + ((y1 - y0) * i) / 5);
  for (const x of xTicks) {
    parts.push(`<line x1="${tx(x)}" y1="${ty(y0)}" x2="${tx(x)}" y2="${ty(y1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${tx(x)}" y="${ty(y0) + 18}" font-size="12" text-anchor="middle">${o.logX ? x.toExponential(0) : +x.toFixed(3)}</text>`);
  }
  for (const y of yTicks) {
    parts.push(`<line x1="${tx(x0)}" y1="${ty(y)}" x2="${tx(x1)}" y2="${ty(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${tx(x0) - 8}" y="${ty(y) + 4}" font-size="12" text-anchor="end">${+y.toFixed(3)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${width - m.left - m.right}" height="${height - m.top - m.bottom}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${width / 2}" y="${height - 14}" font-size="14" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  parts.push(`<text x="18" y="${height / 2}" font-size="14" text-anchor="middle" transform="rotate(-90 18 ${height / 2})">${escapeXml(o.yLabel)}</text>`);
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const d = s.points
      .filter((p) => !o.logX || p.x >= x0)
      .map((p, j) => `${j ? 'L' : 'M'}${tx(p.x).toFixed(1)},${ty(p.y).toFixed(1)}`)
      .join('');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    // Legend in the lower right: ROC curves hug the top edge.
    const ly = height - m.bottom - 14 - (o.series.length - 1 - i) * 20;
    parts.push(`<line x1="${width - 260}" y1="${ly}" x2="${width - 236}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${width - 230}" y="${ly + 4}" font-size="12">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export interface BarChartOptions {
  title: string;
  unit: string;
  bars: readonly { label: string; value: number; color?: string }[];
  width?: number;
  /** Width of the label column, in pixels (default 330: about 42 characters at 13 px). */
  labelWidth?: number;
}

/** Horizontal bars, one per label, value printed at the bar's end. */
export function barChartSvg(o: BarChartOptions): string {
  const width = o.width ?? 820;
  const rowHeight = 30;
  const left = o.labelWidth ?? 330;
  const height = 60 + o.bars.length * rowHeight + 20;
  const max = Math.max(...o.bars.map((b) => b.value), 1e-9);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="28" font-size="17" text-anchor="middle">${escapeXml(o.title)}</text>`,
  ];
  o.bars.forEach((b, i) => {
    const y = 50 + i * rowHeight;
    const w = ((width - left - 110) * b.value) / max;
    parts.push(`<text x="${left - 10}" y="${y + 18}" font-size="13" text-anchor="end">${escapeXml(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${b.color ?? PALETTE[i % 2]}"/>`);
    parts.push(`<text x="${left + w + 6}" y="${y + 18}" font-size="13">${+b.value.toPrecision(4)} ${escapeXml(o.unit)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export async function writeSvgAsPng(svg: string, file: string): Promise<void> {
  await sharp(Buffer.from(svg)).png().toFile(file);
}
