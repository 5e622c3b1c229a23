export { FacePipeline, type Face, type FaceDescription, type FacePipelineOptions } from './face-pipeline';
export { FaceDetector, parseDetections, detectorInputSize, DEFAULT_CONFIDENCE, type Box, type Detection } from './detector';
export { LandmarksRegressor, landmarkRoi, ROI_SCALE } from './landmarks';
export { BatchedModel, DEFAULT_MAX_BATCH, type BatchFill, type BatchResult } from './batched-model';
