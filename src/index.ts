// The package's public surface: a plain list of re-exports; each area appends its line.
export * from './errors';
export * from './engine';
export * from './image';
export * from './models';
export * from './align';
export * from './config';
export * from './reid';
export * from './pipeline';
export { evaluateLfw, type LfwEvalOptions, type LfwReport, type ImageEmbedder } from './eval/lfw';
export { crossValidate, rocCurve, type VerificationReport } from './eval/verification';
export * from './gallery';
export { identifyFaces, identityAnnotations, largestFaceEmbedding, openGalleryFor, type IdentifiedFace } from './identify';
export { FaceStream, type FaceStreamOptions, type FaceStreamStats, type CameraStats, type PromoteResult, type SourceInput } from './stream/face-stream';
export { EVENT_SCHEMAS, FRAME_RECORD_SCHEMA, STREAM_EVENT_TYPES, type StreamEvent, type StreamEventType, type FrameRecord, type Snapshot } from './stream/events';
export { openSource, sourceOptionsFromConfig, type FrameSource, type SourceOptions, type SourceStats, type StreamInfo, type ReconnectInfo, type VideoFrame, type PushedFrame } from './stream/source';
export { createSink, JsonlSink, WebhookSink, MqttSink, type EventSink, type SinkStats, type SinkEvent, type SinkOptions } from './stream/sinks';
export { VideoWriter, type VideoWriterOptions } from './stream/video-writer';
export { faceSnapshot, type SnapshotOptions } from './stream/snapshot';
