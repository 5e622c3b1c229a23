/**
 * SSD decoding of the raw head outputs that ssd-head.ts exposes: clustered priors, the two-class
 * softmax, CENTER_SIZE box decoding, greedy NMS. It follows the definitions of OpenVINO's
 * PriorBoxClustered and DetectionOutput (Caffe style) step by step in float32 arithmetic
 * (Math.fround after each operation), so that its boxes agree with the layer's to float rounding.
 * Only priors whose face score passes the confidence are decoded: greedy NMS lets a box be
 * suppressed only by a higher-scoring one, so the detections at or above the confidence are those
 * DetectionOutput would give at any lower threshold.
 */
import type { ClusteredPriorAttributes, SsdHead } from './ssd-head';

const f = Math.fround;

export interface GridSize {
  width: number;
  height: number;
}

/** A detection in coordinates normalised to the network input. */
export interface SsdDetection {
  score: number;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

/**
 * PriorBoxClustered's boxes, [xmin, ymin, xmax, ymax] normalised, for the `layer` feature map of an
 * `image`-sized input; prior p = (y * layer.width + x) * anchors + anchor.
 */
export function clusteredPriors(attributes: ClusteredPriorAttributes, layer: GridSize, image: GridSize): Float32Array {
  const { widths, heights, stepX, stepY, offset, clip } = attributes;
  const anchors = widths.length;
  const boxes = new Float32Array(layer.width * layer.height * anchors * 4);
  const keep = (v: number) => (clip ? Math.min(Math.max(v, 0), 1) : v);
  let i = 0;
  for (let y = 0; y < layer.height; y++) {
    for (let x = 0; x < layer.width; x++) {
      const cx = f(f(x + f(offset)) * f(stepX));
      const cy = f(f(y + f(offset)) * f(stepY));
      for (let a = 0; a < anchors; a++) {
        const halfW = f(f(widths[a]) / 2);
        const halfH = f(f(heights[a]) / 2);
        boxes[i++] = keep(f(f(cx - halfW) / image.width));
        boxes[i++] = keep(f(f(cy - halfH) / image.height));
        boxes[i++] = keep(f(f(cx + halfW) / image.width));
        boxes[i++] = keep(f(f(cy + halfH) / image.height));
      }
    }
  }
  return boxes;
}

/** softmax([background, face])[face] as a float32 softmax computes it. */
function faceScore(background: number, face: number): number {
  const top = Math.max(background, face);
  const eBackground = f(Math.exp(f(background - top)));
  const eFace = f(Math.exp(f(face - top)));
  return f(eFace / f(eBackground + eFace));
}

interface Candidate {
  prior: number;
  score: number;
  box: [number, number, number, number];
  area: number;
}

/** CENTER_SIZE decoding of prior `p` (variances not encoded in the target). */
function decodeBox(p: number, anchors: number, plane: number, loc: Float32Array, priors: Float32Array, variances: number[], clip: boolean): [number, number, number, number] {
  const cell = Math.floor(p / anchors);
  const channel = (p % anchors) * 4;
  const offsets = [0, 1, 2, 3].map((k) => loc[(channel + k) * plane + cell]);
  const [pxmin, pymin, pxmax, pymax] = priors.subarray(p * 4, p * 4 + 4);
  const priorW = f(pxmax - pxmin);
  const priorH = f(pymax - pymin);
  const priorX = f(f(pxmin + pxmax) / 2);
  const priorY = f(f(pymin + pymax) / 2);
  const v = variances.map(f);
  const centerX = f(f(f(v[0] * offsets[0]) * priorW) + priorX);
  const centerY = f(f(f(v[1] * offsets[1]) * priorH) + priorY);
  const halfW = f(f(f(Math.exp(f(v[2] * offsets[2]))) * priorW) / 2);
  const halfH = f(f(f(Math.exp(f(v[3] * offsets[3]))) * priorH) / 2);
  const box: [number, number, number, number] = [f(centerX - halfW), f(centerY - halfH), f(centerX + halfW), f(centerY + halfH)];
  return clip ? (box.map((c) => Math.max(0, Math.min(1, c))) as typeof box) : box;
}

/** Intersection over union as DetectionOutput computes it (sizes precomputed, float32). */
function overlap(a: Candidate, b: Candidate): number {
  const [ax0, ay0, ax1, ay1] = a.box;
  const [bx0, by0, bx1, by1] = b.box;
  if (bx0 > ax1 || bx1 < ax0 || by0 > ay1 || by1 < ay0) return 0;
  const w = f(Math.min(ax1, bx1) - Math.max(ax0, bx0));
  const h = f(Math.min(ay1, by1) - Math.max(ay0, by0));
  if (w <= 0 || h <= 0) return 0;
  const inter = f(w * h);
  return f(inter / f(f(a.area + b.area) - inter));
}

/**
 * The detections with a face score >= `confidence`, highest first, from the head outputs for the
 * `grid` of feature-map cells: `loc` [4A, H, W] and `conf` [2A, H, W] (channel 2a the background,
 * 2a+1 the face logit of anchor a), with the grid's `priors` (clusteredPriors).
 */
export function decodeSsd(
  head: Pick<SsdHead, 'priors' | 'detection'>,
  outputs: { loc: Float32Array; conf: Float32Array; priors: Float32Array },
  grid: GridSize,
  confidence: number,
): SsdDetection[] {
  const { loc, conf, priors } = outputs;
  const { detection } = head;
  const anchors = head.priors.widths.length;
  const plane = grid.width * grid.height;
  // A cheap first pass on the logit difference (softmax over two classes is a sigmoid of it); the
  // margin leaves the exact decision to the float32 score below. The cap stays under 16.6, past
  // which the float32 score is exactly 1.
  const logitFloor = confidence <= 0 ? -Infinity : Math.min(Math.log(confidence / (1 - confidence)), 15) - 1e-3;
  const candidates: Candidate[] = [];
  for (let a = 0; a < anchors; a++) {
    const background = conf.subarray(2 * a * plane, (2 * a + 1) * plane);
    const face = conf.subarray((2 * a + 1) * plane, (2 * a + 2) * plane);
    for (let cell = 0; cell < plane; cell++) {
      if (!(face[cell] - background[cell] > logitFloor)) continue;
      const score = faceScore(background[cell], face[cell]);
      if (score >= confidence) candidates.push({ prior: cell * anchors + a, score, box: [0, 0, 0, 0], area: 0 });
    }
  }
  candidates.sort((x, y) => y.score - x.score || x.prior - y.prior);
  if (detection.topK > -1) candidates.length = Math.min(candidates.length, detection.topK);
  const nmsThreshold = f(detection.nmsThreshold);
  const kept: Candidate[] = [];
  for (const c of candidates) {
    c.box = decodeBox(c.prior, anchors, plane, loc, priors, head.priors.variances, detection.clipBeforeNms);
    c.area = f(f(c.box[2] - c.box[0]) * f(c.box[3] - c.box[1]));
    if (kept.every((k) => overlap(c, k) <= nmsThreshold)) kept.push(c);
  }
  if (detection.keepTopK > -1) kept.length = Math.min(kept.length, detection.keepTopK);
  return kept.map(({ score, box }) => {
    const [xmin, ymin, xmax, ymax] = detection.clipAfterNms ? box.map((v) => Math.max(0, Math.min(1, v))) : box;
    return { score, xmin, ymin, xmax, ymax };
  });
}
