/**
 * Frame sources: where a stream's frames come from. `openSource` takes a file path, a stream URL
 * (rtsp://, http(s)://, tcp://, ...), a V4L2 device (/dev/video0), all decoded by an ffmpeg child,
 * or an (async) iterable of raw frames pushed from JavaScript. Every source has the same face:
 * `frames()` (an async iterator of pooled VideoFrames, each released by its consumer), `stats`,
 * events, and one `close()` that ends everything it started.
 */
import type { EventEmitter } from 'node:events';
import type { FaceReidConfig } from '../config';
import { invalidType, outOfRange } from '../errors';
import { closestKey } from '../util/suggest';
import type { VideoFrame } from './frames';
import { classifySource, type SourceKind } from './source-input';
import { FfmpegSource } from './source-ffmpeg';
import { PushedSource, type PushedFrame } from './source-pushed';
import type { SourceStats } from './source-stats';

export type { VideoFrame } from './frames';
export type { PushedFrame } from './source-pushed';
export type { SourceKind } from './source-input';
export type { SourceStats } from './source-stats';

export interface StreamInfo {
  width: number;
  height: number;
  fps: number | undefined;
}

export interface ReconnectInfo {
  /** 1 for the first retry after a success, counting up while failures go on. */
  attempt: number;
  delayMs: number;
  /** Why: a FaceReidError, STREAM_SOURCE_FAILED (network, device) or STREAM_DECODER_FAILED. */
  reason: Error;
}

/**
 * Events: `info` (StreamInfo, when the frame size is known, again after a reconnect),
 * `reconnecting` (ReconnectInfo), `error` (a fatal FaceReidError; emitted only when someone
 * listens, and always kept in `stats.lastError`), `end` (no more frames: the end of a file, a
 * fatal error, or close()).
 */
export interface FrameSource extends EventEmitter {
  readonly kind: SourceKind | 'pushed';
  /** The source as given, any URL password hidden. */
  readonly name: string;
  /** Live sources drop frames when the consumer is behind; the others make the producer wait. */
  readonly live: boolean;
  /**
   * Frames the source can have out at once (its pool), when it has a pool: a consumer holding
   * this many frames gets no other until it releases one.
   */
  readonly poolSize?: number;
  readonly stats: SourceStats;
  /** Starts decoding (frames() does it too); idempotent. */
  start(): void;
  /**
   * The frames in order, each to be `release()`d by the consumer when done with its pixels. One
   * consumer at a time. Leaving the loop early (break, throw) closes the source.
   */
  frames(): AsyncIterableIterator<VideoFrame>;
  [Symbol.asyncIterator](): AsyncIterableIterator<VideoFrame>;
  /** Ends the decoder process (no orphan: waited for), discards waiting frames; idempotent. */
  close(): Promise<void>;
}

export interface SourceOptions {
  /** The ffmpeg executable (default: FACE_REID_FFMPEG, else `ffmpeg` on PATH). */
  ffmpegPath?: string;
  /**
   * Options given to ffmpeg before `-i`, verbatim: demuxer and decoder flags, hardware decoding
   * beyond `hwaccel` (e.g. `['-hwaccel_output_format', 'vaapi']` is NOT wanted: frames must come
   * back to memory), V4L2 settings such as `['-input_format', 'mjpeg', '-video_size', '1280x720']`.
   */
  inputOptions?: string[];
  /** Hardware decoding on Intel: 'vaapi' or 'qsv' (`-hwaccel`); frames still arrive in memory. */
  hwaccel?: string;
  /** `-hwaccel_device`, e.g. '/dev/dri/renderD128'. */
  hwaccelDevice?: string;
  /**
   * How decoded frames arrive: 'i420' (default), planar YUV 4:2:0 as the decoder gives it, which
   * the pipeline samples directly (no conversion of whole frames: a 1080p frame costs ffmpeg
   * about 4 ms less and is half the bytes); or 'bgr', 3 bytes a pixel, for consumers of
   * `onFrame` that want interleaved pixels.
   */
  pixelFormat?: 'i420' | 'bgr';
  /** Scale frames to this size (give both); default: the source's own size. */
  width?: number;
  height?: number;
  /** Output frame rate; default: the source's. */
  fps?: number;
  /**
   * Files: read at the file's frame rate, as a camera would deliver it (frames dropped when the
   * consumer is behind), instead of as fast as the consumer goes (default false).
   */
  realtime?: boolean;
  /** Files: start over at the end, forever (demos, soak tests). Default false. */
  loop?: boolean;
  /** Frame buffers in the pool (default 4): frames decoded ahead plus frames the consumer holds. */
  poolSize?: number;
  /** A source that gives no frame for this long is restarted (default 10000 ms). */
  stallTimeoutMs?: number;
  /**
   * The same before a run's first frame (default 20000 ms): ffmpeg probes a network stream for
   * several seconds before it decodes.
   */
  openTimeoutMs?: number;
  /** Reopening after failures: first and longest wait, and how many failures in a row end it. */
  reconnect?: { initialMs?: number; maxMs?: number; maxAttempts?: number };
  /** Pushed frames: treat them as live (copy into the pool, drop when behind). Default false. */
  live?: boolean;
}

export interface ResolvedSourceOptions {
  ffmpegPath: string;
  inputOptions: string[];
  hwaccel: string | undefined;
  hwaccelDevice: string | undefined;
  pixelFormat: 'i420' | 'bgr';
  width: number | undefined;
  height: number | undefined;
  fps: number | undefined;
  realtime: boolean;
  loop: boolean;
  poolSize: number;
  stallTimeoutMs: number;
  openTimeoutMs: number;
  reconnect: { initialMs: number; maxMs: number; maxAttempts: number };
  live: boolean | undefined;
}

/** Frame buffers a source pools unless told otherwise, and the most it may be given. */
export const DEFAULT_POOL_SIZE = 4;
export const MAX_POOL_SIZE = 64;

const OPTION_KEYS = ['ffmpegPath', 'inputOptions', 'hwaccel', 'hwaccelDevice', 'pixelFormat', 'width', 'height', 'fps', 'realtime', 'loop', 'poolSize', 'stallTimeoutMs', 'openTimeoutMs', 'reconnect', 'live'];

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidType('a non-empty string', name, value);
  return value;
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidType('true or false', name, value);
  return value;
}

function optionalNumber(value: unknown, name: string, what: string, ok: (n: number) => boolean): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalidType(what, name, value);
  if (!ok(value)) throw outOfRange(what, name, value);
  return value;
}

const positiveInteger = (n: number) => Number.isInteger(n) && n > 0;

export function resolveSourceOptions(options: SourceOptions = {}): ResolvedSourceOptions {
  if (options === null || typeof options !== 'object') throw invalidType('an options object', 'options', options);
  for (const key of Object.keys(options)) {
    if (OPTION_KEYS.includes(key)) continue;
    const near = closestKey(key, OPTION_KEYS);
    throw invalidType(near ? `no option "${key}" (did you mean "${near}"?)` : `one of the options ${OPTION_KEYS.join(', ')}`, `options.${key}`, (options as Record<string, unknown>)[key]);
  }
  const inputOptions = options.inputOptions ?? [];
  if (!Array.isArray(inputOptions) || !inputOptions.every((o) => typeof o === 'string')) throw invalidType('an array of strings', 'options.inputOptions', inputOptions);
  const width = optionalNumber(options.width, 'options.width', 'a positive integer', positiveInteger);
  const height = optionalNumber(options.height, 'options.height', 'a positive integer', positiveInteger);
  if ((width === undefined) !== (height === undefined)) throw invalidType('both width and height, or neither', width === undefined ? 'options.width' : 'options.height', width ?? height);
  if (width !== undefined && (width % 2 || height! % 2)) throw outOfRange('an even number (frames are scaled in 4:2:0)', width % 2 ? 'options.width' : 'options.height', width % 2 ? width : height);
  const pixelFormat = options.pixelFormat ?? 'i420';
  if (pixelFormat !== 'i420' && pixelFormat !== 'bgr') throw outOfRange('"i420" or "bgr"', 'options.pixelFormat', pixelFormat);
  const reconnect = options.reconnect ?? {};
  if (reconnect === null || typeof reconnect !== 'object') throw invalidType('an object', 'options.reconnect', reconnect);
  const maxAttempts = optionalNumber(reconnect.maxAttempts, 'options.reconnect.maxAttempts', 'a whole number >= 0 or Infinity', (n) => n === Infinity || (Number.isInteger(n) && n >= 0));
  return {
    ffmpegPath: optionalString(options.ffmpegPath, 'options.ffmpegPath') ?? (process.env.FACE_REID_FFMPEG || 'ffmpeg'),
    inputOptions: [...inputOptions],
    hwaccel: optionalString(options.hwaccel, 'options.hwaccel'),
    hwaccelDevice: optionalString(options.hwaccelDevice, 'options.hwaccelDevice'),
    pixelFormat,
    width,
    height,
    fps: optionalNumber(options.fps, 'options.fps', 'a frame rate > 0', (n) => Number.isFinite(n) && n > 0),
    realtime: optionalBoolean(options.realtime, 'options.realtime') ?? false,
    loop: optionalBoolean(options.loop, 'options.loop') ?? false,
    poolSize: optionalNumber(options.poolSize, 'options.poolSize', `a whole number in [2, ${MAX_POOL_SIZE}]`, (n) => Number.isInteger(n) && n >= 2 && n <= MAX_POOL_SIZE) ?? DEFAULT_POOL_SIZE,
    stallTimeoutMs: optionalNumber(options.stallTimeoutMs, 'options.stallTimeoutMs', 'a number of milliseconds > 0', (n) => Number.isFinite(n) && n > 0) ?? 10_000,
    openTimeoutMs: optionalNumber(options.openTimeoutMs, 'options.openTimeoutMs', 'a number of milliseconds > 0', (n) => Number.isFinite(n) && n > 0) ?? 20_000,
    reconnect: {
      initialMs: optionalNumber(reconnect.initialMs, 'options.reconnect.initialMs', 'a number of milliseconds >= 0', (n) => Number.isFinite(n) && n >= 0) ?? 500,
      maxMs: optionalNumber(reconnect.maxMs, 'options.reconnect.maxMs', 'a number of milliseconds >= 0', (n) => Number.isFinite(n) && n >= 0) ?? 30_000,
      maxAttempts: maxAttempts ?? Infinity,
    },
    live: optionalBoolean(options.live, 'options.live'),
  };
}

/** The source options a configuration's `ffmpeg` section gives (path, hardware decoding, input options). */
export function sourceOptionsFromConfig(config: FaceReidConfig): SourceOptions {
  const ffmpeg = config.ffmpeg ?? {};
  const options: SourceOptions = {};
  if (ffmpeg.path) options.ffmpegPath = ffmpeg.path;
  if (ffmpeg.hwaccel) options.hwaccel = ffmpeg.hwaccel;
  if (ffmpeg.hwaccelDevice) options.hwaccelDevice = ffmpeg.hwaccelDevice;
  if (ffmpeg.inputOptions?.length) options.inputOptions = [...ffmpeg.inputOptions];
  return options;
}

function isIterable(value: unknown): value is AsyncIterable<PushedFrame> | Iterable<PushedFrame> {
  return value !== null && typeof value === 'object' && (Symbol.asyncIterator in value || Symbol.iterator in value) && typeof value !== 'string';
}

/**
 * A source for a file path, a URL, a /dev/video device, or an iterable of raw frames. Nothing
 * starts until `start()` or `frames()`. Throws TypeError/RangeError for bad arguments; failures
 * of the source itself (a missing file, an unreachable URL) arrive as events.
 */
export function openSource(source: string | AsyncIterable<PushedFrame> | Iterable<PushedFrame>, options: SourceOptions = {}): FrameSource {
  const resolved = resolveSourceOptions(options);
  if (isIterable(source)) return new PushedSource(source, resolved);
  const input = classifySource(source);
  if (resolved.live !== undefined) throw invalidType('no `live` option (it is for pushed frames; files take `realtime`)', 'options.live', resolved.live);
  return new FfmpegSource(input, resolved);
}
