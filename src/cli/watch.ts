/**
 * face-reid watch <source...>: cameras (files, URLs, /dev/video devices) tracked and identified,
 * track events as JSON Lines on stdout or into a file, optionally every frame's tracks too.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { invalidType, outOfRange } from '../errors';
import { Gallery } from '../gallery';
import { FacePipeline } from '../pipeline';
import { FaceStream, type FaceStreamOptions } from '../stream/face-stream';
import type { FrameRecord } from '../stream/events';
import { createSink, type EventSink } from '../stream/sinks';
import { VideoWriter } from '../stream/video-writer';
import type { Annotation } from '../render/annotate';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, pipelineFlags, pipelineOptionsFrom, printHelp } from './common';

export const summary = 'track and identify faces in video files, streams or cameras; events as JSON Lines';

const usage = `Usage: face-reid watch <source...> [--gallery FILE|URL] [--out events.jsonl] [--sink SPEC]... [--frames frames.jsonl]
  [--video annotated.mp4] [--snapshots DIR] [--promote ID=LABEL]... [--detect-every K] [--min-faces N] [--threshold T]
  [--read-ahead N] [--pool-size N] [--realtime] [--loop] [--ffmpeg PATH] [--hwaccel vaapi|qsv] [--config FILE] [--device D] [--model-dir DIR]

A source is a video file, an rtsp:// or http(s):// URL, or a V4L2 device (/dev/video0); name it
with name=source (events carry the name as "camera"; default cam0, cam1, ...).
Events (track.started, track.identified, track.updated, track.ended) go to stdout, or --out FILE,
and to every --sink: jsonl:FILE, http(s)://... (webhook POST) or mqtt://host:port (topics
face-reid/<camera>/<event>), each with a bounded queue while the receiver is away.
--read-ahead N starts the detection of N frames ahead of the one being tracked (default: as many
as the detector runs at once, 1 under the default LATENCY hint, 2 for a detector compiled with
PERFORMANCE_HINT THROUGHPUT on two cores), --pool-size N the frame buffers of each source (default
4, and 2 more for each frame read ahead beyond 1). docs/config.md, "Streams".
--frames FILE writes one line per frame: every live track's id, box, label and similarity.
--video FILE writes the (single) camera's frames with boxes, track ids and labels drawn.
--snapshots DIR writes each ended track's best face as DIR/<camera>-<track>.jpg.
--promote ID=LABEL enrols a person from the stream (needs --gallery): ID is a visitor id
(visitor-3) or a track id (door/t4, or t4 with one camera). When a track holding that id ends,
its best distinct views (and those of the visitor's earlier tracks) are added to the gallery under
LABEL; later tracks are named LABEL. An id never seen by the end is an error (exit code 1).
Ctrl-C (SIGINT) or SIGTERM ends the stream cleanly; the tracks still open end with it.`;

/** `door=rtsp://...` → ['door', 'rtsp://...']; anything else is named by its position. */
function namedSource(arg: string, index: number): [string, string] {
  const m = /^([A-Za-z0-9_-]+)=(.+)$/.exec(arg);
  return m ? [m[1], m[2]] : [`cam${index}`, arg];
}

function count(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw outOfRange(`an integer >= ${min}`, flag, value);
  return n;
}

function lineWriter(file: string | undefined): { write(value: unknown): void; end(): Promise<void> } {
  const out: WriteStream | NodeJS.WriteStream = file ? createWriteStream(file) : process.stdout;
  return {
    write(value) {
      out.write(`${JSON.stringify(value)}\n`);
    },
    async end() {
      if (out === process.stdout) return;
      const done = once(out, 'finish');
      out.end();
      await done;
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...pipelineFlags,
    gallery: { type: 'string' },
    out: { type: 'string' },
    frames: { type: 'string' },
    'detect-every': { type: 'string' },
    'read-ahead': { type: 'string' },
    'pool-size': { type: 'string' },
    'min-faces': { type: 'string' },
    threshold: { type: 'string' },
    realtime: { type: 'boolean' },
    loop: { type: 'boolean' },
    ffmpeg: { type: 'string' },
    hwaccel: { type: 'string' },
    sink: { type: 'string', multiple: true },
    video: { type: 'string' },
    snapshots: { type: 'string' },
    promote: { type: 'string', multiple: true },
  });
  if (values.help) return printHelp(usage);
  if (positionals.length === 0) {
    console.error(usage);
    return 2;
  }
  const sources = positionals.map(namedSource);
  if (values.video && sources.length !== 1) throw outOfRange('one source with --video', 'source', positionals.join(' '));
  const names = new Set(sources.map(([n]) => n));
  if (names.size !== sources.length) throw outOfRange('distinct camera names', 'source', positionals.join(' '));
  const promotions = new Map((values.promote ?? []).map(promotionOf));
  if (promotions.size > 0 && !values.gallery) throw outOfRange('--gallery with --promote (the identities go into it)', '--promote', values.promote!.join(' '));
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= -1 && threshold <= 1)) throw outOfRange('a number from -1 to 1', '--threshold', values.threshold);
  const options: FaceStreamOptions = {
    detectEvery: count(values['detect-every'], '--detect-every', 1),
    minFaces: count(values['min-faces'], '--min-faces', 1),
    readAhead: count(values['read-ahead'], '--read-ahead', 0),
    threshold,
    source: { realtime: values.realtime, loop: values.loop, ffmpegPath: values.ffmpeg, hwaccel: values.hwaccel, poolSize: count(values['pool-size'], '--pool-size', 2) },
  };
  const pipeline = await FacePipeline.create(pipelineOptionsFrom(values));
  let gallery: Gallery | undefined;
  const events = lineWriter(values.out);
  const frames = values.frames ? lineWriter(values.frames) : undefined;
  const sinks: EventSink[] = [];
  let video: VideoWriter | undefined;
  let stream: FaceStream | undefined;
  const stop = () => void stream?.close();
  try {
    if (values.gallery) gallery = await Gallery.open(values.gallery, { model: pipeline.embeddingModel });
    for (const spec of values.sink ?? []) {
      const sink = createSink(spec);
      sink.on('dropped', ({ reason }: { reason: string }) => console.error(`face-reid watch: ${sink.name}: an event was dropped (${reason})`));
      sinks.push(sink);
    }
    if (values.snapshots) mkdirSync(values.snapshots, { recursive: true });
    const onFrame = values.video
      ? async (frame: Parameters<NonNullable<FaceStreamOptions['onFrame']>>[0], record: FrameRecord) => {
          video ??= VideoWriter.open(values.video!, { width: frame.width, height: frame.height, fps: stream?.stats.cameras[record.camera]?.source.fps ?? 30, order: frame.order === 'rgb' || frame.order === 'bgr' ? frame.order : 'i420', ffmpegPath: values.ffmpeg });
          await video.write(frame, annotationsOf(record));
        }
      : undefined;
    stream = new FaceStream(pipeline, { ...options, gallery, snapshots: Boolean(values.snapshots), onFrame });
    stream.on('event', (e) => {
      events.write(e);
      for (const sink of sinks) sink.write(e);
      if (values.snapshots && e.type === 'track.ended') {
        const jpeg = stream!.snapshot(`${e.camera}/${e.track}`);
        if (jpeg) writeFileSync(join(values.snapshots, `${e.camera}-${e.track}.jpg`), jpeg);
      }
    });
    // Promotions run as the track that carries the id ends (its views are complete then); the
    // stream goes on meanwhile and its later tracks of the person are named by the gallery.
    const promoting: Promise<void>[] = [];
    let promoteFailed = false;
    const promote = (id: string, label: string) => {
      promotions.delete(id);
      const done = stream!.promote(id, label).then(
        (r) => console.error(`face-reid watch: promoted ${id} to ${label} (${r.added} views from ${r.tracks.join(', ')})`),
        (err: Error) => {
          promoteFailed = true;
          console.error(`face-reid watch: could not promote ${id} to ${label}: ${err.message}`);
        },
      );
      promoting.push(done);
    };
    if (promotions.size > 0) {
      stream.on('track.ended', (e: { camera: string; track: string; kind: string | null; label: string | null }) => {
        for (const id of [`${e.camera}/${e.track}`, e.track, e.kind === 'visitor' ? e.label : null]) {
          const label = id && promotions.get(id);
          if (id && label) promote(id, label);
        }
      });
    }
    if (frames) stream.on('frame', (r) => frames.write(r));
    stream.on('error', ({ camera, error }: { camera: string; error: Error & { code?: string } }) => {
      console.error(`face-reid watch: ${camera}: ${error.message}${error.code ? ` [${error.code}]` : ''}`);
    });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    for (const [name, source] of sources) stream.addSource(name, source);
    await stream.done();
    await Promise.all(promoting);
    for (const [id, label] of promotions) {
      promoteFailed = true;
      console.error(`face-reid watch: could not promote ${id} to ${label}: no track ended with that id`);
    }
    const stats = stream.stats;
    await stream.close();
    const cams = Object.entries(stats.cameras).map(([n, c]) => `${n}: ${c.frames} frames (${c.detectionFrames} detected, ${c.source.framesDropped} dropped)`);
    console.error(`face-reid watch: ${cams.join('; ')}; re-identifications ${stats.embeds.embedded} of ${stats.embeds.considered} faces (${stats.embeds.saved} saved)`);
    return promoteFailed || (stream.errors.length > 0 && Object.values(stats.cameras).every((c) => c.frames === 0)) ? 1 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await stream?.close();
    await Promise.allSettled([events.end(), frames?.end(), video?.close(), ...sinks.map((sink) => sink.close())]);
    await gallery?.close();
    await pipeline.close();
  }
}

/** `visitor-3=Jane_Doe` → ['visitor-3', 'Jane_Doe']. */
function promotionOf(spec: string): [string, string] {
  const m = /^([^=\s]+)=(.+)$/.exec(spec);
  if (!m) throw invalidType('ID=LABEL (a visitor id or track id, then the name)', '--promote', spec);
  return [m[1], m[2]];
}

/** Known people green with name and similarity, visitors and the not yet named orange. */
function annotationsOf(record: FrameRecord): Annotation[] {
  return record.tracks.map((t) => ({
    box: t.box,
    caption: t.label ? `${t.id} ${t.label.replace(/_/g, ' ')}${t.similarity > 0 ? ` ${t.similarity.toFixed(2)}` : ''}` : t.id,
    color: t.kind === 'gallery' ? '#00c853' : '#ff9100',
  }));
}
