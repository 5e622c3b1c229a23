/**
 * Compiled by `npm run typecheck:openvino-node` only (tsconfig.openvino-node.json), against the
 * .d.ts that openvino-node publishes: if openvino-node changes a signature the adapter calls,
 * this assignment stops compiling. Nothing here runs.
 */
import { addon, type Model, type Tensor } from 'openvino-node';
import type { OvNodeApi } from '../src/engine/openvino-node-adapter';

export const adapterView: OvNodeApi<Tensor, Model> = addon;
