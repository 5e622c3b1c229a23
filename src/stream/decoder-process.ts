/**
 * One run of an ffmpeg decoder whose stdout is read straight into the caller's frame buffers.
 *
 * Why a Unix socket instead of the child's stdout pipe: Node reads a pipe into a fresh 64 KiB
 * Buffer per read (about a hundred per 1080p frame), while a socket we connect ourselves can take
 * `onread` with a buffer of our choosing, so the bytes land in the pooled frame with no
 * allocation. We listen on a private socket path, connect to it, and hand the accepted end to
 * ffmpeg as its stdout; the listener is gone before ffmpeg writes anything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOutputStreamLine, type DecodedStreamInfo } from './ffmpeg-decode-args';

export interface DecoderSink {
  /** The frame geometry, once ffmpeg has printed it; bytes flow only after this returns. */
  onInfo(info: DecodedStreamInfo): void;
  /** Where the next bytes go (at most its length is read at once). */
  buffer(): Uint8Array;
  /** `n` bytes were written into the last buffer given; return false to pause reading. */
  onBytes(n: number): boolean;
}

export interface DecoderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not be started (ffmpeg missing, not executable). */
  spawnError?: Error;
  /** True when `kill()` ended it. */
  killed: boolean;
  /** The last lines ffmpeg wrote to stderr, for error messages. */
  stderrTail: string;
}

const STDERR_LINES_KEPT = 12;

export class DecoderProcess {
  readonly #sink: DecoderSink;
  #socket: Socket | undefined;
  #child: ChildProcess | undefined;
  #killed = false;
  #paused = true;
  #infoSeen = false;
  readonly #tail: string[] = [];
  /** Settles once the process has exited and every byte it wrote has been read (or dropped by kill). */
  readonly exited: Promise<DecoderExit>;
  #resolveExit!: (exit: DecoderExit) => void;

  private constructor(sink: DecoderSink) {
    this.#sink = sink;
    this.exited = new Promise((resolve) => {
      this.#resolveExit = resolve;
    });
  }

  /** Spawns `ffmpegPath args...`; resolves once it runs (its failure arrives through `exited`). */
  static async start(ffmpegPath: string, args: readonly string[], sink: DecoderSink): Promise<DecoderProcess> {
    const run = new DecoderProcess(sink);
    await run.#spawn(ffmpegPath, args);
    return run;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  pause(): void {
    this.#paused = true;
    this.#socket?.pause();
  }

  resume(): void {
    if (!this.#infoSeen || !this.#paused) return;
    this.#paused = false;
    this.#socket?.resume();
  }

  /** Ends the process now (SIGKILL: there is nothing of ffmpeg's to save) and stops reading. */
  kill(): void {
    this.#killed = true;
    this.#socket?.destroy();
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  async #spawn(ffmpegPath: string, args: readonly string[]): Promise<void> {
    const path = join(tmpdir(), `face-reid-${process.pid}-${randomBytes(6).toString('hex')}.sock`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const socket = connect({
      path,
      onread: {
        buffer: () => this.#sink.buffer(),
        callback: (n: number) => {
          const more = this.#sink.onBytes(n);
          // Node stops reading when this returns false; remember it so resume() starts it again.
          if (!more) this.#paused = true;
          return more;
        },
      },
    });
    // Paused before it connects, so nothing is read until the frame size is known.
    socket.pause();
    this.#socket = socket;
    let socketDone!: () => void;
    const socketClosed = new Promise<void>((resolve) => (socketDone = resolve));
    socket.once('close', () => socketDone());
    // A reset when ffmpeg dies mid-write is reported through the process's exit, not here.
    let connectFailed!: (err: Error) => void;
    const failed = new Promise<never>((_, reject) => (connectFailed = reject));
    socket.on('error', (err) => connectFailed(err));
    failed.catch(() => undefined);
    let theirEnd: Socket;
    try {
      theirEnd = await Promise.race([accepted, failed]);
    } finally {
      server.close();
    }

    let child: ChildProcess;
    try {
      child = spawn(ffmpegPath, args, { stdio: ['ignore', theirEnd, 'pipe'] });
    } catch (err) {
      theirEnd.destroy();
      socket.destroy();
      this.#resolveExit({ code: null, signal: null, spawnError: err as Error, killed: false, stderrTail: '' });
      return;
    }
    this.#child = child;
    // The child holds its own copy of the descriptor; ours would keep the socket open after it exits.
    theirEnd.destroy();

    let partial = '';
    let afterOutputHeader = false;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      const lines = (partial + text).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      if (partial.length > 4096) partial = partial.slice(-4096);
      for (const line of lines) {
        if (!line.trim()) continue;
        this.#tail.push(line);
        if (this.#tail.length > STDERR_LINES_KEPT) this.#tail.shift();
        if (this.#infoSeen) continue;
        if (/^Output #0/.test(line)) afterOutputHeader = true;
        else if (afterOutputHeader) {
          const info = parseOutputStreamLine(line);
          if (info) {
            this.#infoSeen = true;
            this.#sink.onInfo(info);
            this.resume();
          }
        }
      }
    });

    const stderrDone = new Promise<void>((resolve) => child.stderr!.once('close', () => resolve()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
      child.once('error', (err) => resolve({ code: null, signal: null, spawnError: err }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    void exit.then(async (result) => {
      // What ffmpeg wrote before exiting may still be in the socket: it is read at the consumer's
      // pace (the socket closes at its end), unless nothing of it can ever be a frame.
      if (this.#killed || result.spawnError || !this.#infoSeen) socket.destroy();
      await Promise.all([socketClosed, result.spawnError ? undefined : stderrDone]);
      if (partial.trim()) this.#tail.push(partial);
      this.#resolveExit({ ...result, killed: this.#killed, stderrTail: this.#tail.slice(-STDERR_LINES_KEPT).join('\n') });
    });
  }
}
