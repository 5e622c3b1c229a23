/**
 * The bundled demo: enroll a few people from an LFW-style folder (two pictures each), make a
 * group photo from another picture of each plus one stranger, identify it, draw the answer.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { FaceReidError } from './errors';
import { enrollFolder } from './gallery';
import { identifyFaces, identityAnnotations, largestFaceEmbedding, openGalleryFor, type IdentifiedFace } from './identify';
import { FacePipeline, type FacePipelineOptions } from './pipeline';
import { writeAnnotated } from './render/annotate';
import { DEMO_VIDEO, makeVideo } from './video/make-video';

export interface DemoOptions {
  /** A folder of <person>/<picture>.jpg (LFW layout). */
  people: string;
  outDir: string;
  /** How many people to enroll (those with the most pictures). */
  count?: number;
  pipeline?: FacePipelineOptions;
  log?: (line: string) => void;
}

export interface DemoResult {
  gallery: string;
  photo: string;
  annotated: string;
  enrolled: string[];
  stranger: string;
  faces: IdentifiedFace[];
  /**
   * The generated demo video (people entering, crossing, leaving; some enrolled into the gallery
   * too, some strangers) for the stream part, or undefined when the folder is not the LFW images
   * with their landmarks (the generator places faces by them).
   */
  video: { file: string; enrolled: string[]; strangers: string[] } | undefined;
}

/** Where the LFW development images are, if this checkout can see them. */
export function defaultPeopleFolder(): string | undefined {
  const candidates = [
    process.env.FACE_REID_DATA && join(process.env.FACE_REID_DATA, 'lfw', 'deepfunneled250'),
    resolve(__dirname, '..', '..', 'shared', 'data', 'lfw', 'deepfunneled250'),
  ].filter((c): c is string => Boolean(c));
  return candidates.find((c) => existsSync(c));
}

function picturesOf(dir: string, person: string): string[] {
  return readdirSync(join(dir, person)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => join(dir, person, f));
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? (() => {});
  if (!existsSync(options.people)) throw new FaceReidError(`The demo needs a folder of <person>/<picture>.jpg; ${options.people} does not exist`, 'CONFIG_INVALID');
  const people = readdirSync(options.people, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ name: d.name, pictures: picturesOf(options.people, d.name) }))
    .filter((p) => p.pictures.length >= 3)
    .sort((a, b) => b.pictures.length - a.pictures.length || a.name.localeCompare(b.name));
  const count = options.count ?? 4;
  if (people.length < count + 1) throw new FaceReidError(`The demo needs ${count + 1} people with three or more pictures in ${options.people}`, 'CONFIG_INVALID');
  const enrolled = people.slice(0, count);
  const stranger = people[count];

  // The enrolment folder holds each person's first two pictures: <label>/<file>.
  const enrollDir = join(options.outDir, 'enroll');
  rmSync(enrollDir, { recursive: true, force: true });
  for (const p of enrolled) {
    mkdirSync(join(enrollDir, p.name), { recursive: true });
    for (const picture of p.pictures.slice(0, 2)) copyFileSync(picture, join(enrollDir, p.name, basename(picture)));
  }
  const galleryFile = join(options.outDir, 'demo-gallery.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(galleryFile + suffix, { force: true });

  const pipeline = await FacePipeline.create(options.pipeline);
  const gallery = await openGalleryFor(pipeline, galleryFile);
  try {
    const result = await enrollFolder(gallery, enrollDir, (path) => largestFaceEmbedding(pipeline, path), { model: pipeline.embeddingModel });
    log(`enrolled ${result.enrolled} pictures of ${enrolled.length} people into ${galleryFile}: ${enrolled.map((p) => p.name).join(', ')}`);

    // A group photo from pictures the gallery has never seen: each enrolled person's third one, and the stranger.
    const tiles = [...enrolled.map((p) => p.pictures[2]), stranger.pictures[0]];
    // A near-square grid: the detector keeps aspect ratios only up to about 2:1, so a long strip would flatten the faces.
    const tile = 250;
    const columns = Math.ceil(Math.sqrt(tiles.length));
    const rows = Math.ceil(tiles.length / columns);
    const photo = join(options.outDir, 'group-photo.jpg');
    await sharp({ create: { width: tile * columns, height: tile * rows, channels: 3, background: '#202020' } })
      .composite(await Promise.all(tiles.map(async (t, i) => ({ input: await sharp(t).resize(tile, tile).toBuffer(), left: (i % columns) * tile, top: Math.floor(i / columns) * tile }))))
      .jpeg({ quality: 92 })
      .toFile(photo);
    log(`group photo (${tiles.length} faces, the last one a stranger: ${stranger.name}): ${photo}`);

    const faces = await identifyFaces(pipeline, gallery, photo);
    const annotated = join(options.outDir, 'identified.jpg');
    await writeAnnotated(photo, identityAnnotations(faces), annotated);
    const video = await demoVideo(options.people, options.outDir, pipeline, gallery, log);
    return { gallery: galleryFile, photo, annotated, enrolled: enrolled.map((p) => p.name), stranger: stranger.name, faces, video };
  } finally {
    await gallery.close();
    await pipeline.close();
  }
}

/** Generates the demo video from the LFW images and enrols its known people (pictures not in the video). */
async function demoVideo(people: string, outDir: string, pipeline: FacePipeline, gallery: Awaited<ReturnType<typeof openGalleryFor>>, log: (line: string) => void): Promise<DemoResult['video']> {
  const imageSet = basename(resolve(people));
  const dataDir = dirname(dirname(resolve(people)));
  const landmarks = join(dataDir, 'lfw', imageSet === 'raw150' ? 'landmarks.txt' : 'landmarks-deepfunneled.txt');
  if (!['deepfunneled250', 'raw150'].includes(imageSet) || !existsSync(landmarks)) {
    log(`no stream demo: ${people} is not the LFW images with their landmarks (${landmarks})`);
    return undefined;
  }
  log('generating the demo video (people entering, crossing and leaving) ...');
  const made = await makeVideo({ ...DEMO_VIDEO, imageSet, dataDir, outDir: join(outDir, 'video') });
  for (const { name, files } of made.enrolment) {
    for (const file of files) {
      const embedding = await largestFaceEmbedding(pipeline, file);
      if (embedding) await gallery.add(name, embedding, { source: file }, { model: pipeline.embeddingModel });
    }
  }
  const enrolled = made.enrolment.map((e: { name: string }) => e.name);
  const strangers = made.truth.people.filter((p: { role: string }) => p.role === 'stranger').map((p: { name: string }) => p.name);
  log(`demo video ${made.video}: ${made.truth.frameCount} frames; enrolled from other pictures: ${enrolled.join(', ')}; strangers: ${strangers.join(', ')}`);
  return { file: made.video, enrolled, strangers };
}
