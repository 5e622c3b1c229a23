/**
 * The ffmpeg command line that decodes one source into raw frames (I420 or BGR) on stdout, and the parse of
 * the stream description ffmpeg prints before the first frame (the frame size and rate: the one
 * process tells us both, so nothing opens the source twice — a camera or a one-client server
 * would not allow it).
 */
import type { SourceInput } from './source-input';

export interface DecodeArgsOptions {
  /** Decoder-side options placed before `-i`, verbatim (hardware decode, demuxer flags). */
  inputOptions: readonly string[];
  /** `-hwaccel <name>` (vaapi, qsv, ...); decoded frames are downloaded to memory for us. */
  hwaccel?: string;
  /** `-hwaccel_device <device>`, e.g. /dev/dri/renderD128. */
  hwaccelDevice?: string;
  /** The raw frames' layout: yuv420p (no colour conversion in ffmpeg) or bgr24. */
  pixelFormat: 'i420' | 'bgr';
  /** Files only: read at the native frame rate (`-re`) instead of as fast as we consume. */
  realtime: boolean;
  /** Files only: start over at the end, forever. */
  loop: boolean;
  /** Files only: start this many seconds in (a decoder restarted after a crash resumes here). */
  startSeconds?: number;
  /** Scale every frame to this size (both or neither). */
  width?: number;
  height?: number;
  /** Output frame rate (`-r`): frames are duplicated or dropped by ffmpeg to match it. */
  fps?: number;
  /** Network sources: ffmpeg's own I/O timeout, so a dead peer ends the process. */
  ioTimeoutMs: number;
}

export function decodeArgs(source: SourceInput, o: DecodeArgsOptions): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];
  if (o.hwaccel) args.push('-hwaccel', o.hwaccel);
  if (o.hwaccelDevice) args.push('-hwaccel_device', o.hwaccelDevice);
  if (source.kind === 'file') {
    if (o.realtime) args.push('-re');
    if (o.loop) args.push('-stream_loop', '-1');
    if (o.startSeconds) args.push('-ss', o.startSeconds.toFixed(3));
  } else if (source.kind === 'device') {
    args.push('-f', 'v4l2');
  } else {
    const micros = String(Math.round(o.ioTimeoutMs * 1000));
    // RTSP over TCP: UDP loses packets (smeared frames) on busy links; `-timeout` is RTSP's I/O timeout.
    if (/^rtsps?:/i.test(source.input)) args.push('-rtsp_transport', 'tcp', '-timeout', micros);
    else args.push('-rw_timeout', micros);
  }
  args.push(...o.inputOptions, '-i', source.input, '-map', '0:v:0', '-an', '-sn', '-dn');
  const filters: string[] = [];
  if (o.width && o.height) filters.push(`scale=${o.width}:${o.height}`);
  if (filters.length) args.push('-vf', filters.join(','));
  if (o.fps) args.push('-r', String(o.fps));
  // Files: a constant rate, so frame n is at n / fps. Live: every frame as it comes, none invented.
  args.push('-fps_mode', source.kind === 'file' ? 'cfr' : 'passthrough');
  args.push('-pix_fmt', o.pixelFormat === 'i420' ? 'yuv420p' : 'bgr24', '-f', 'rawvideo', 'pipe:1');
  return args;
}

export interface DecodedStreamInfo {
  width: number;
  height: number;
  /** Frames per second as ffmpeg states it for the output, undefined when it gives none. */
  fps: number | undefined;
}

/**
 * Reads the output stream line ffmpeg prints once the decoder is set up, e.g.
 * `Stream #0:0(und): Video: rawvideo (BGR[24] / 0x18524742), bgr24(pc, ...), 640x360 [SAR 1:1 DAR 16:9], q=2-31, 165888 kb/s, 30 fps, 30 tbn`.
 * Returns undefined for any other line.
 */
export function parseOutputStreamLine(line: string): DecodedStreamInfo | undefined {
  if (!/Stream #\d+:\d+.*: Video: rawvideo/.test(line)) return undefined;
  const size = /, (\d{1,5})x(\d{1,5})[\s,]/.exec(line);
  if (!size) return undefined;
  const rate = /, ([\d.]+)(k?) fps/.exec(line);
  const fps = rate ? Number(rate[1]) * (rate[2] ? 1000 : 1) : undefined;
  return { width: Number(size[1]), height: Number(size[2]), fps: fps && Number.isFinite(fps) && fps > 0 ? fps : undefined };
}
