export { openvino } from './openvino';
export type { CompileOptions } from './openvino';
export { CompiledModel } from './compiled-model';
export { InferRequest } from './infer-request';
export type { InferInputs, InferOutputs } from './infer-request';
export type { PortInfo, ElementType, OutputArray } from './binding';
export type { RuntimeOptions, RuntimeInfo } from './runtime';
export { ENGINE_NAMES, type EngineName, type EngineModel, type EngineInferRequest } from './surface';
