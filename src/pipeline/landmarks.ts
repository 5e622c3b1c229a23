/**
 * landmarks-regression-retail-0009 on every face of a frame in one batch: each detector box is
 * enlarged about its centre (1.15, as the Open Model Zoo demo), cropped and resized natively to
 * 48x48; the ten outputs (normalised to the crop) are mapped back to frame pixels.
 */
import { resizeInto } from '../align';
import type { RawImage } from '../image';
import type { BatchingConfig } from '../config';
import { loadBatchedModel, type BatchedModel, type ModelSource } from './batched-model';
import type { Box } from './detector';

export const LANDMARKS_MODEL = 'landmarks-regression-retail-0009';
const INPUT_SIZE = 48;
export const ROI_SCALE = 1.15;

/** The crop the landmark model sees: the box enlarged about its centre, in whole pixels inside the frame. */
export function landmarkRoi(box: Box, width: number, height: number, scale = ROI_SCALE): Box {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x0 = Math.max(0, Math.trunc(cx - (box.width * scale) / 2));
  const y0 = Math.max(0, Math.trunc(cy - (box.height * scale) / 2));
  const x1 = Math.min(width, Math.trunc(cx + (box.width * scale) / 2));
  const y1 = Math.min(height, Math.trunc(cy + (box.height * scale) / 2));
  return { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}

export class LandmarksRegressor {
  readonly #model: BatchedModel;
  /** The device OpenVINO compiled the model for. */
  readonly device: string;

  private constructor(model: BatchedModel, device: string) {
    this.#model = model;
    this.device = device;
  }

  static async create(config: BatchingConfig & ModelSource = {}): Promise<LandmarksRegressor> {
    // The 48x48 model is cheap: one batch per frame (up to 16 faces) whatever the device.
    const { model, device } = await loadBatchedModel(LANDMARKS_MODEL, config, config.maxBatch);
    return new LandmarksRegressor(model, device);
  }

  /** Five [x, y] points per box, in frame pixels (Float64Array(10) each). */
  async locate(image: RawImage, boxes: readonly Box[]): Promise<Float64Array[]> {
    const rois = boxes.map((b) => landmarkRoi(b, image.width, image.height));
    const output = await this.#model.runAll(rois.length, (input, start, length) => {
      for (let slot = 0; slot < length; slot++) resizeInto(image, input, { width: INPUT_SIZE, height: INPUT_SIZE, index: slot, roi: rois[start + slot] });
    });
    // The outputs are normalised to the crop the model saw (the integer ROI resized to 48x48),
    // so they map back through that crop, not through the unrounded enlarged box.
    return rois.map((roi, i) => {
      const points = new Float64Array(10);
      for (let k = 0; k < 5; k++) {
        points[2 * k] = roi.x + output[i * 10 + 2 * k] * roi.width;
        points[2 * k + 1] = roi.y + output[i * 10 + 2 * k + 1] * roi.height;
      }
      return points;
    });
  }

  /** Compiles the batch sizes for these face counts now (see BatchedModel.prepare). */
  prepare(faceCounts: readonly number[]): Promise<void> {
    return this.#model.prepare(faceCounts);
  }

  get maxBatch(): number {
    return this.#model.maxBatch;
  }

  close(): Promise<void> {
    return this.#model.close();
  }
}
