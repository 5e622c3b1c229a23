/**
 * An annotated video file written through an ffmpeg encoder: each frame is copied into the
 * writer's own buffer (the source's pooled frame goes back untouched), boxes, track ids and labels
 * are drawn on the raw pixels (render/raw-overlay.ts), and the bytes are piped to ffmpeg.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { FaceReidError, invalidType, outOfRange } from '../errors';
import { checkRawImage, copyPacked, packedBytes, type RawImage } from '../image';
import type { Annotation } from '../render/annotate';
import { RawOverlay } from '../render/raw-overlay';

export interface VideoWriterOptions {
  width: number;
  height: number;
  /** Frames per second of the file (default 30). */
  fps?: number;
  /** Layout of the frames written (default 'i420', what the ffmpeg sources give; or 'bgr', 'rgb'). */
  order?: 'i420' | 'bgr' | 'rgb';
  /** The ffmpeg executable (default: FACE_REID_FFMPEG, else `ffmpeg` on PATH). */
  ffmpegPath?: string;
  /** Encoder (default libx264) and its speed preset (default veryfast) and quality (crf, default 23). */
  codec?: string;
  preset?: string;
  crf?: number;
}

const STDERR_KEPT = 4096;

export class VideoWriter {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  #framesWritten = 0;
  readonly #order: 'i420' | 'bgr' | 'rgb';
  readonly #child: ChildProcess;
  readonly #overlay: RawOverlay;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  // Two buffers: one being drawn while the other is still being written to the pipe.
  readonly #buffers: Buffer[];
  #next = 0;
  #pending: Promise<void> = Promise.resolve();
  #queue: Promise<void> = Promise.resolve();
  #stderr = '';
  #failure: FaceReidError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(file: string, options: Required<Omit<VideoWriterOptions, 'ffmpegPath'>> & { ffmpegPath: string }) {
    this.file = file;
    this.width = options.width;
    this.height = options.height;
    this.#order = options.order;
    this.#overlay = new RawOverlay(options.width, options.height);
    const bytes = packedBytes(options.width, options.height, options.order === 'i420' ? 1 : 3, options.order);
    this.#buffers = [Buffer.allocUnsafe(bytes), Buffer.allocUnsafe(bytes)];
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-f', 'rawvideo', '-pix_fmt', { i420: 'yuv420p', bgr: 'bgr24', rgb: 'rgb24' }[options.order], '-s', `${options.width}x${options.height}`, '-r', String(options.fps), '-i', 'pipe:0',
      '-c:v', options.codec, '-preset', options.preset, '-crf', String(options.crf), '-pix_fmt', 'yuv420p', file,
    ];
    this.#child = spawn(options.ffmpegPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (text: string) => (this.#stderr = (this.#stderr + text).slice(-STDERR_KEPT)));
    // A dead encoder shows as EPIPE here; the exit code says why.
    this.#child.stdin!.on('error', () => undefined);
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (error) => resolve({ code: null, signal: null, error }));
      this.#child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    void this.#exited.then((exit) => {
      if (!this.#closing || exit.code !== 0) this.#failure ??= this.#describe(exit);
    });
  }

  /** Starts the encoder for `file` (its format from the extension: .mp4, .mkv, ...). */
  static open(file: string, options: VideoWriterOptions): VideoWriter {
    if (typeof file !== 'string' || file === '') throw invalidType('a file path', 'file', file);
    if (options === null || typeof options !== 'object') throw invalidType('an options object', 'options', options);
    const positive = (v: unknown, name: string) => {
      if (typeof v !== 'number') throw invalidType('a positive integer', name, v);
      if (!Number.isInteger(v) || v <= 0) throw outOfRange('a positive integer', name, v);
      return v;
    };
    const width = positive(options.width, 'options.width');
    const height = positive(options.height, 'options.height');
    if (width % 2 || height % 2) throw outOfRange('even frame sides (4:2:0 video)', width % 2 ? 'options.width' : 'options.height', width % 2 ? width : height);
    const fps = options.fps ?? 30;
    if (typeof fps !== 'number' || !(fps > 0) || !Number.isFinite(fps)) throw outOfRange('a frame rate > 0', 'options.fps', fps);
    const order = options.order ?? 'i420';
    if (order !== 'i420' && order !== 'bgr' && order !== 'rgb') throw outOfRange('"i420", "bgr" or "rgb"', 'options.order', order);
    return new VideoWriter(file, {
      width,
      height,
      fps,
      order,
      ffmpegPath: options.ffmpegPath ?? (process.env.FACE_REID_FFMPEG || 'ffmpeg'),
      codec: options.codec ?? 'libx264',
      preset: options.preset ?? 'veryfast',
      crf: options.crf ?? 23,
    });
  }

  get framesWritten(): number {
    return this.#framesWritten;
  }

  /**
   * Appends a frame with the annotations drawn on it. The frame itself is only read (copied
   * before drawing), so it may be released as soon as this resolves. Rejects with SINK_FAILED
   * when the encoder has failed. Argument errors throw at once.
   */
  write(frame: RawImage, annotations: readonly Annotation[] = []): Promise<void> {
    const image = checkRawImage(frame, 'frame');
    if (image.width !== this.width || image.height !== this.height) {
      throw outOfRange(`a ${this.width}x${this.height} frame`, 'frame', `${image.width}x${image.height}`);
    }
    if (image.order !== this.#order) throw outOfRange(`a frame in the writer's order (${this.#order})`, 'frame.order', image.order);
    if (this.#closing) return Promise.reject(new FaceReidError(`${this.file}: the video writer is closed`, 'STREAM_CLOSED'));
    // Calls that overlap are taken in order, one at a time.
    const done = this.#queue.then(() => this.#writeOne(image, annotations));
    this.#queue = done.catch(() => undefined);
    return done;
  }

  async #writeOne(image: ReturnType<typeof checkRawImage>, annotations: readonly Annotation[]): Promise<void> {
    if (this.#failure) throw this.#failure;
    // This buffer went into the pipe two frames ago, and that write completed before the
    // previous frame was queued: it is free to fill while the previous one is still being written.
    const out = this.#buffers[this.#next]!;
    this.#next ^= 1;
    copyPacked(image, out);
    await this.#overlay.draw({ data: out, width: this.width, height: this.height, channels: image.channels, order: this.#order }, annotations);
    await this.#pending;
    if (this.#failure) throw this.#failure;
    this.#pending = new Promise((resolve) => this.#child.stdin!.write(out, () => resolve()));
    this.#framesWritten++;
  }

  /** Finishes the file: ends the encoder's input and waits for it; rejects SINK_FAILED if it failed. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue;
      await this.#pending;
      this.#child.stdin!.end();
      const exit = await this.#exited;
      if (exit.code !== 0) throw this.#failure ?? this.#describe(exit);
    })();
    return this.#closing;
  }

  #describe(exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error }): FaceReidError {
    if (exit.error) {
      const missing = (exit.error as NodeJS.ErrnoException).code === 'ENOENT';
      return new FaceReidError(missing ? 'ffmpeg was not found: install it (scripts/install-media.sh) or set ffmpegPath' : `ffmpeg could not start: ${exit.error.message}`, 'SINK_FAILED');
    }
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    return new FaceReidError(`Writing ${this.file}: ffmpeg ${how}${this.#stderr.trim() ? `: ${this.#stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`, 'SINK_FAILED');
  }
}
