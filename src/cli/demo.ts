/**
 * face-reid demo: enroll a small gallery, identify a group photo, write the annotated picture;
 * then watch a generated video with the same gallery (the `watch` command itself).
 */
import { join, resolve } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { defaultPeopleFolder, runDemo } from '../demo';
import { parse, pipelineFlags, pipelineOptionsFrom, printHelp } from './common';
import { run as watch } from './watch';
import { run as keys } from './keys';
import { run as serve } from './serve';

export const summary = 'the main job on bundled defaults: enroll a demo gallery, identify a group photo, then watch a generated video';

const usage = `Usage: face-reid demo [--people DIR] [--out DIR] [--count N] [--serve] [--port PORT] [--config FILE] [--device D] [--model-dir DIR]
  --serve   afterwards, serve the demo gallery over HTTP (face-reid serve, the web page at /) with a
            fresh admin key printed once, until Ctrl-C
  --people  a folder of <person>/<picture>.jpg (default: the LFW development images in FACE_REID_DATA or ../shared/data)
  --out     where the gallery, the group photo, the annotated picture, the demo video, its annotated copy
            (stream-annotated.mp4), its events (stream-events.jsonl) and frames (stream-frames.jsonl) go
            (default: demo-output)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { ...pipelineFlags, people: { type: 'string' }, out: { type: 'string' }, count: { type: 'string' }, serve: { type: 'boolean' }, port: { type: 'string' } },
    false,
  );
  if (values.help) return printHelp(usage);
  const people = values.people ?? defaultPeopleFolder();
  if (!people) {
    console.error('face-reid demo: no picture folder found; pass --people DIR (a folder of <person>/<picture>.jpg) or set FACE_REID_DATA');
    return 2;
  }
  const outDir = resolve(values.out ?? 'demo-output');
  mkdirSync(outDir, { recursive: true });
  const result = await runDemo({
    people,
    outDir,
    count: values.count === undefined ? undefined : Number(values.count),
    pipeline: pipelineOptionsFrom(values),
    log: (line) => console.log(line),
  });
  console.log(`identified ${result.faces.length} face(s):`);
  for (const f of result.faces) console.log(`  ${f.label.padEnd(24)} similarity ${f.similarity.toFixed(3)} at x=${Math.round(f.box.x)}`);
  console.log(`annotated picture: ${result.annotated}`);
  if (!result.video) return 0;
  console.log(`watching ${result.video.file} (events as they happen):`);
  const out = (name: string) => join(outDir, name);
  // The JSON Lines sink appends (a log outlives its watcher); a demo run starts its events afresh.
  rmSync(out('stream-events.jsonl'), { force: true });
  const status = await watch([
    `demo=${result.video.file}`,
    '--gallery', result.gallery,
    '--sink', `jsonl:${out('stream-events.jsonl')}`,
    '--frames', out('stream-frames.jsonl'),
    '--video', out('stream-annotated.mp4'),
    ...forwarded(argv),
  ]);
  console.log(`annotated video: ${out('stream-annotated.mp4')}; per-frame tracks: ${out('stream-frames.jsonl')}; events: ${out('stream-events.jsonl')}`);
  if (status !== 0 || !values.serve) return status;
  return serveDemo(result.gallery, values.port, argv);
}

/** The demo gallery behind the HTTP service: an admin key (printed once), then `serve` until Ctrl-C. */
async function serveDemo(gallery: string, port: string | undefined, argv: string[]): Promise<number> {
  console.log('API key for the web page and the API (admin scope, shown once):');
  const created = await keys(['create', '--scope', 'admin', '--name', 'demo', '--gallery', gallery]);
  if (created !== 0) return created;
  const host = '127.0.0.1';
  console.log(`serving the demo gallery: open http://${host}:${port ?? '8080'}/ and paste the key (Ctrl-C ends it)`);
  const config = forwarded(argv).filter((a, i, all) => a === '--config' || all[i - 1] === '--config' || a.startsWith('--config='));
  return serve(['--gallery', gallery, '--host', host, ...(port ? ['--port', port] : []), ...config]);
}

/** The pipeline flags given to the demo, passed on to watch (the same models and devices). */
function forwarded(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].split('=')[0];
    if (!['--config', '--device', '--precision', '--model-dir', '--confidence', '--min-face'].includes(flag)) continue;
    out.push(argv[i]);
    if (!argv[i].includes('=') && i + 1 < argv.length) out.push(argv[++i]);
  }
  return out;
}
