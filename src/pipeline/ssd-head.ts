/**
 * Cuts an SSD detector IR (face-detection-retail-0004's shape: one prediction head, clustered
 * priors, a two-class SoftMax and DetectionOutput) back to its two head convolutions, so that
 * decoding runs in ssd-decode.ts instead of in the graph. On the CPU the SoftMax over the
 * [priors, 2] scores and the DetectionOutput layer cost about 0.27 ms of the detector's 6 ms per
 * 544x300 frame (PERF_COUNT), while the decode needs only the few priors whose face score passes
 * the confidence (tens of microseconds). An IR of any other shape is left whole (undefined).
 */
import { IrGraph, type IrLayer, type IrPort } from './ir-graph';

export interface ClusteredPriorAttributes {
  /** Prior widths and heights in input pixels, one pair per anchor. */
  widths: number[];
  heights: number[];
  stepX: number;
  stepY: number;
  offset: number;
  clip: boolean;
  /** Four decode variances (x, y, width, height). */
  variances: number[];
}

export interface DetectionAttributes {
  nmsThreshold: number;
  /** Candidates kept before NMS and detections kept after it; -1: all. */
  topK: number;
  keepTopK: number;
  clipBeforeNms: boolean;
  clipAfterNms: boolean;
}

export interface SsdHead {
  /** Output tensor names: box offsets [1, 4A, H, W] and class logits [1, 2A, H, W], A anchors. */
  loc: string;
  conf: string;
  priors: ClusteredPriorAttributes;
  detection: DetectionAttributes;
}

const RESHAPES = new Set(['Reshape', 'Squeeze', 'Unsqueeze']);

function throughReshapes(graph: IrGraph, p: IrPort | undefined): IrPort | undefined {
  while (p && RESHAPES.has(p.layer.type)) p = graph.producer(p.layer, 0);
  return p;
}

/** The head convolution behind a Transpose to NHWC (the SSD "perm" layer), or undefined. */
function beforeNhwcTranspose(graph: IrGraph, p: IrPort | undefined): IrPort | undefined {
  if (p?.layer.type !== 'Transpose') return undefined;
  const order = graph.producer(p.layer, 1);
  if (!order || graph.integers(order.layer)?.join() !== '0,2,3,1') return undefined;
  return graph.producer(p.layer, 0);
}

/** The spatial dims of the layer behind PriorBoxClustered input `port` (StridedSlice of ShapeOf). */
function shapeSource(graph: IrGraph, prior: IrLayer, port: number): number[] | undefined {
  const slice = graph.producer(prior, port);
  if (slice?.layer.type !== 'StridedSlice') return undefined;
  const shapeOf = graph.producer(slice.layer, 0);
  if (shapeOf?.layer.type !== 'ShapeOf') return undefined;
  const source = graph.producer(shapeOf.layer, 0);
  return source && graph.dims(source)?.slice(-2);
}

const numbers = (text: string | undefined): number[] => (text ?? '').split(',').filter((s) => s.trim() !== '').map(Number);
const flag = (text: string | undefined): boolean => text === 'true' || text === '1';
const sameDims = (a: number[] | undefined, b: number[] | undefined): boolean => !!a && !!b && a.join() === b.join();

function priorAttributes(layer: IrLayer): ClusteredPriorAttributes | undefined {
  const d = layer.data;
  const widths = numbers(d.width);
  const heights = numbers(d.height);
  let variances = numbers(d.variance);
  if (variances.length === 0) variances = [0.1];
  if (variances.length === 1) variances = [variances[0], variances[0], variances[0], variances[0]];
  const step = Number(d.step ?? 0);
  const stepX = Number(d.step_w ?? 0) || step;
  const stepY = Number(d.step_h ?? 0) || step;
  const all = [...widths, ...heights, ...variances, stepX, stepY, Number(d.offset)];
  // A step of 0 would mean "image size / layer size", which this decoder does not implement.
  if (widths.length === 0 || widths.length !== heights.length || variances.length !== 4 || !all.every(Number.isFinite) || !(stepX > 0 && stepY > 0)) return undefined;
  return { widths, heights, stepX, stepY, offset: Number(d.offset), clip: flag(d.clip), variances };
}

function detectionAttributes(layer: IrLayer): DetectionAttributes | undefined {
  const d = layer.data;
  const supported =
    /CENTER_SIZE$/.test(d.code_type ?? '') &&
    flag(d.share_location) &&
    !flag(d.variance_encoded_in_target) &&
    flag(d.normalized) &&
    !flag(d.decrease_label_id) &&
    Number(d.background_label_id) === 0;
  const detection = {
    nmsThreshold: Number(d.nms_threshold),
    topK: Number(d.top_k ?? -1),
    keepTopK: Number((d.keep_top_k ?? '-1').split(',')[0]),
    clipBeforeNms: flag(d.clip_before_nms),
    clipAfterNms: flag(d.clip_after_nms),
  };
  const valid = Number.isFinite(detection.nmsThreshold) && Number.isInteger(detection.topK) && Number.isInteger(detection.keepTopK);
  return supported && valid ? detection : undefined;
}

/** The single name of an output port (a port with several names could surface under any of them). */
function tensorName(p: IrPort): string | undefined {
  const names = p.layer.outputs.get(p.port)?.names;
  return names && !names.includes(',') ? names : undefined;
}

/** The IR cut to its head outputs, with what decoding them needs; undefined for any other IR. */
export function cutSsdHead(xml: string, bin: Uint8Array): { xml: string; head: SsdHead } | undefined {
  const graph = IrGraph.parse(xml, bin);
  const [output] = graph?.byType('DetectionOutput') ?? [];
  if (!graph || !output || graph.byType('DetectionOutput').length !== 1 || graph.producer(output, 3)) return undefined;
  const detection = detectionAttributes(output);

  const loc = beforeNhwcTranspose(graph, throughReshapes(graph, graph.producer(output, 0)));
  const softmax = throughReshapes(graph, graph.producer(output, 1));
  if (softmax?.layer.type !== 'SoftMax') return undefined;
  const conf = beforeNhwcTranspose(graph, throughReshapes(graph, graph.producer(softmax.layer, 0)));
  const softmaxInput = graph.producer(softmax.layer, 0);
  const softmaxDims = softmaxInput && graph.dims(softmaxInput);
  const axis = Number(softmax.layer.data.axis);
  // The SoftMax must be over the two classes of each prior: the last axis, of size 2.
  if (!softmaxDims || softmaxDims[softmaxDims.length - 1] !== 2 || (axis !== -1 && axis !== softmaxDims.length - 1)) return undefined;

  const prior = throughReshapes(graph, graph.producer(output, 2));
  if (prior?.layer.type !== 'PriorBoxClustered') return undefined;
  const priors = priorAttributes(prior.layer);

  const locDims = loc && graph.dims(loc);
  const confDims = conf && graph.dims(conf);
  const [input] = graph.byType('Parameter');
  const anchors = priors?.widths.length ?? 0;
  if (!detection || !priors || !loc || !conf || !locDims || !confDims || !input || locDims.length !== 4 || confDims.length !== 4) return undefined;
  if (locDims[1] !== 4 * anchors || confDims[1] !== 2 * anchors || !sameDims(locDims.slice(2), confDims.slice(2))) return undefined;
  // The priors must be laid on the head's own feature map over the network input.
  const inputDims = graph.dims({ layer: input, port: [...input.outputs.keys()][0] });
  if (!sameDims(shapeSource(graph, prior.layer, 0), locDims.slice(2)) || !sameDims(shapeSource(graph, prior.layer, 1), inputDims?.slice(-2))) return undefined;

  const locName = tensorName(loc);
  const confName = tensorName(conf);
  if (!locName || !confName || locName === confName) return undefined;
  return { xml: graph.withOutputs([loc, conf]), head: { loc: locName, conf: confName, priors, detection } };
}
