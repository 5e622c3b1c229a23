'use strict';
// Test videos with ground truth, made at test time from the LFW development images (never
// committed): 1920x1080 H.264 in which people enter, cross at varying face sizes and leave,
// several at once; some are enrolled, some strangers, some come back. Each enrolled person's
// pictures are split disjointly into enrolment pictures and video pictures.
//
// Writes into `outDir`:
//   video.mp4        the video (libx264, yuv420p)
//   truth.json       { width, height, fps, frameCount, seed, people, appearances, frames }
//                      people:      { name, role: 'enrolled'|'stranger', enrolment: [file], video: [file] }
//                      appearances: { id, person, role, image, firstFrame, lastFrame }
//                      frames[i]:   [{ appearance, person, role, box, tile, visible }]
//                                   box: the face {x, y, width, height} in frame pixels (from the
//                                   image's landmarks), tile: where the picture is drawn,
//                                   visible: the share of the face box on screen and not covered
//   enrolment.json   [{ name, files: [absolute paths] }] — the pictures to enrol, none in the video
//
// The same options (seed included) give the same video; a finished one is reused.
// Plain JavaScript (compiled along with src/ by allowJs): the tests (test/helpers/make-video.js,
// which also runs it from the command line) and `face-reid demo` share this one implementation.
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const sharp = require('sharp');
const { rng } = require('../util/random');
const scene = require('./conditions');

const DEFAULTS = {
  seconds: 10,
  fps: 30,
  width: 1920,
  height: 1080,
  people: 8,
  /** Share of the people who are not enrolled. */
  strangers: 1 / 3,
  /** Share of the people who appear a second time. */
  returning: 0.25,
  seed: 1,
  /** Seconds one appearance lasts, [min, max]. */
  appearanceSeconds: [3, 6],
  /** Side of the drawn picture in pixels, [min, max]; the face box is about 30% of it wide. */
  tileSize: [200, 560],
  /** Pictures per enrolled person used for enrolment (the rest, at least one, go to the video). */
  enrolmentPictures: 2,
  /** LFW folder under $FACE_REID_DATA/lfw: deepfunneled250 (default) or raw150. */
  imageSet: 'deepfunneled250',
  crf: 20,
  // conditions: a door camera's (src/video/conditions.js; absent: the clean video). Not listed
  // here, so that videos made without it keep their options hash.
};

/** name -> [file names], from the image folder; the landmarks file gives each picture's face. */
function readLfw(dataDir, imageSet) {
  const root = join(dataDir, 'lfw', imageSet);
  if (!existsSync(root)) throw new Error(`LFW images not found at ${root}: set FACE_REID_DATA (see ../shared/data/README.md)`);
  const landmarksFile = join(dataDir, 'lfw', imageSet === 'deepfunneled250' ? 'landmarks-deepfunneled.txt' : 'landmarks.txt');
  const scale = imageSet === 'raw150' ? 0.6 : 1;
  const landmarks = new Map();
  for (const line of readFileSync(landmarksFile, 'utf8').split('\n')) {
    const [file, ...values] = line.trim().split('\t');
    if (file && values.length === 10) landmarks.set(file, values.map((v) => Number(v) * scale));
  }
  const people = new Map();
  for (const name of readdirSync(root).sort()) {
    const files = readdirSync(join(root, name)).filter((f) => f.endsWith('.jpg') && landmarks.has(`${name}/${f}`)).sort();
    if (files.length) people.set(name, files.map((f) => `${name}/${f}`));
  }
  return { root, people, landmarks, side: imageSet === 'raw150' ? 150 : 250 };
}

function shuffle(list, random) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const between = (random, [lo, hi]) => lo + (hi - lo) * random();

/**
 * The face box of a picture from its five landmarks, in the picture's pixels: the eyes-to-mouth
 * extent widened to where a face detector's box falls (forehead to chin, ear to ear).
 */
function faceBoxInPicture(points) {
  const xs = [points[0], points[2], points[4], points[6], points[8]];
  const ys = [points[1], points[3], points[5], points[7], points[9]];
  const eyeDistance = Math.hypot(points[2] - points[0], points[3] - points[1]);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const top = Math.min(ys[0], ys[1]) - 1.0 * eyeDistance;
  const bottom = Math.max(ys[3], ys[4]) + 0.75 * eyeDistance;
  const half = 1.0 * eyeDistance;
  return { x: cx - half, y: top, width: 2 * half, height: bottom - top };
}

/** Who is enrolled, who is a stranger, which pictures go where; deterministic by seed. */
function castPeople(lfw, options, random, videoPictures = 1) {
  const strangerCount = Math.round(options.people * options.strangers);
  const enrolledCount = options.people - strangerCount;
  const needed = options.enrolmentPictures + videoPictures;
  const candidates = shuffle([...lfw.people.keys()], random);
  const enrolledNames = candidates.filter((n) => lfw.people.get(n).length >= needed).slice(0, enrolledCount);
  if (enrolledNames.length < enrolledCount) throw new Error(`only ${enrolledNames.length} LFW people have ${needed} pictures; ${enrolledCount} wanted`);
  const strangerNames = candidates.filter((n) => !enrolledNames.includes(n) && lfw.people.get(n).length >= videoPictures).slice(0, strangerCount);
  if (strangerNames.length < strangerCount) throw new Error(`only ${strangerNames.length} more LFW people have ${videoPictures} pictures; ${strangerCount} strangers wanted`);
  const people = [];
  for (const name of enrolledNames) {
    const files = shuffle(lfw.people.get(name), random);
    people.push({ name, role: 'enrolled', enrolment: files.slice(0, options.enrolmentPictures), video: files.slice(options.enrolmentPictures) });
  }
  for (const name of strangerNames) people.push({ name, role: 'stranger', enrolment: [], video: shuffle(lfw.people.get(name), random) });
  return shuffle(people, random);
}

/**
 * Appearances over the video: everyone once, some twice (the second after the first has left).
 * Each crosses the frame from one side to the other at its own height, its face growing or
 * shrinking on the way (walking towards or away from the camera). With `conditions` (and their
 * random numbers, `crandom`), each crossing also has a style: small faces, fast, or normal.
 */
function planAppearances(people, options, random, conditions, crandom) {
  const frameCount = Math.round(options.seconds * options.fps);
  const styleOf = () => (conditions ? scene.crossingStyle(conditions, crandom) : 'normal');
  const lengthOf = (style) => Math.max(2, Math.round(between(random, style === 'fast' ? conditions.fast.seconds : options.appearanceSeconds) * options.fps));
  const returning = new Set(shuffle(people.map((p) => p.name), random).slice(0, Math.round(people.length * options.returning)));
  const appearances = [];
  const randomPath = (style) => {
    const sizes = style === 'small' ? conditions.small.tileSize : options.tileSize;
    const size0 = between(random, sizes);
    return {
      leftToRight: random() < 0.5,
      y0: between(random, [0.05, 0.95]),
      y1: between(random, [0.05, 0.95]),
      size0,
      size1: Math.min(sizes[1], Math.max(sizes[0], size0 * between(random, [0.6, 1.6]))),
    };
  };
  const add = (person, image, first, length, style) => {
    const appearance = { person: person.name, role: person.role, image, firstFrame: first, lastFrame: Math.min(frameCount - 1, first + length - 1), path: undefined };
    if (conditions) appearance.style = style;
    // Of a few random paths, the one that hides others least: people cross briefly, but two
    // walking side by side at one height would cover each other for seconds.
    let best = Infinity;
    for (let k = 0; k < 12; k++) {
      const candidate = { ...appearance, path: randomPath(style) };
      const cover = overlapWith(candidate, appearances, options);
      if (cover < best) [best, appearance.path] = [cover, candidate.path];
    }
    appearances.push(appearance);
  };
  for (const person of people) {
    const style = styleOf();
    const length = Math.min(lengthOf(style), frameCount);
    if (returning.has(person.name) && frameCount >= 2 * length + 2 * options.fps) {
      // First visit in the first part of the video, the return at least two seconds after leaving.
      const secondStyle = styleOf();
      const second = Math.min(lengthOf(secondStyle), frameCount - length - 2 * options.fps);
      const first = Math.floor(random() * (frameCount - length - second - 2 * options.fps + 1));
      const back = first + length + 2 * options.fps + Math.floor(random() * (frameCount - (first + length + 2 * options.fps) - second + 1));
      add(person, person.video[0], first, length, style);
      add(person, person.video[1 % person.video.length], back, second, secondStyle);
    } else {
      add(person, person.video[0], Math.floor(random() * (frameCount - length + 1)), length, style);
    }
  }
  appearances.sort((a, b) => a.firstFrame - b.firstFrame || a.person.localeCompare(b.person));
  appearances.forEach((a, i) => (a.id = i));
  return { appearances, frameCount };
}

/** How much an appearance's picture overlaps the others' over its life (sampled), in frames. */
function overlapWith(candidate, others, options) {
  let total = 0;
  for (const other of others) {
    const first = Math.max(candidate.firstFrame, other.firstFrame);
    const last = Math.min(candidate.lastFrame, other.lastFrame);
    for (let f = first; f <= last; f += 5) {
      const a = tileAt(candidate, f, options);
      const b = tileAt(other, f, options);
      total += (5 * area(intersect(a, b))) / Math.min(area(a), area(b));
    }
  }
  return total;
}

/** Where an appearance's picture is at frame f: top-left and side, in frame pixels (integers). */
function tileAt(appearance, f, options) {
  const { firstFrame, lastFrame, path } = appearance;
  const t = lastFrame === firstFrame ? 0.5 : (f - firstFrame) / (lastFrame - firstFrame);
  const size = Math.round((path.size0 + (path.size1 - path.size0) * t) / 4) * 4;
  // From fully off one side to fully off the other: the face enters and leaves through the edge.
  const progress = path.leftToRight ? t : 1 - t;
  const x = Math.round(-size + progress * (options.width + size));
  const yCentre = (path.y0 + (path.y1 - path.y0) * t) * options.height;
  const y = Math.round(Math.min(options.height - size, Math.max(0, yCentre - size / 2)));
  return { x, y, width: size, height: size };
}

function intersect(a, b) {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
}

const area = (r) => (r ? r.width * r.height : 0);
const round1 = (v) => Math.round(v * 10) / 10;

/** A background that is not flat (a flat one flatters a detector): gradient, panels, a floor. */
async function background(width, height, random) {
  const panels = [];
  for (let i = 0; i < 7; i++) {
    const x = Math.round(random() * width);
    const w = Math.round(80 + random() * 300);
    const shade = Math.round(90 + random() * 90);
    panels.push(`<rect x="${x}" y="0" width="${w}" height="${Math.round(height * 0.72)}" fill="rgb(${shade},${shade - 10},${shade - 25})" opacity="0.55"/>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#7d8a96"/><stop offset="0.72" stop-color="#b9b2a4"/><stop offset="0.72" stop-color="#6b625a"/><stop offset="1" stop-color="#3f3a36"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>${panels.join('')}</svg>`;
  return sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer();
}

/**
 * A picture cut out with a soft oval around the face (LFW pictures often hold other people's
 * faces near their edges, and the funneled ones have black corners), resized, as raw RGBA;
 * cached by picture and size.
 */
function tileCache(root, side) {
  const cache = new Map();
  const base = new Map();
  const maskSvg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}"><defs><radialGradient id="r" cx="0.5" cy="0.5" r="0.5"><stop offset="0.75" stop-color="white" stop-opacity="1"/><stop offset="1" stop-color="white" stop-opacity="0"/></radialGradient></defs><ellipse cx="${side / 2}" cy="${side * 0.52}" rx="${side * 0.33}" ry="${side * 0.43}" fill="url(#r)"/></svg>`,
  );
  let mask;
  async function cutOut(file) {
    let rgba = base.get(file);
    if (!rgba) {
      mask ??= await sharp(maskSvg).extractChannel('alpha').raw().toBuffer();
      const rgb = await sharp(join(root, file)).resize(side, side).removeAlpha().raw().toBuffer();
      rgba = Buffer.alloc(side * side * 4);
      for (let p = 0; p < side * side; p++) {
        rgba[4 * p] = rgb[3 * p];
        rgba[4 * p + 1] = rgb[3 * p + 1];
        rgba[4 * p + 2] = rgb[3 * p + 2];
        rgba[4 * p + 3] = mask[p];
      }
      base.set(file, rgba);
    }
    return rgba;
  }
  return async (file, size) => {
    const key = `${file}@${size}`;
    let tile = cache.get(key);
    if (!tile) {
      tile = await sharp(await cutOut(file), { raw: { width: side, height: side, channels: 4 } }).resize(size, size).raw().toBuffer();
      if (cache.size > 2000) cache.clear();
      cache.set(key, tile);
    }
    return tile;
  };
}

/** Alpha-blends an RGBA tile into an RGB frame at (x, y), clipped to the frame. */
function blit(frame, width, height, tile, size, x, y) {
  const x0 = Math.max(0, x);
  const x1 = Math.min(width, x + size);
  const y0 = Math.max(0, y);
  const y1 = Math.min(height, y + size);
  for (let fy = y0; fy < y1; fy++) {
    let t = ((fy - y) * size + (x0 - x)) * 4;
    let o = (fy * width + x0) * 3;
    for (let fx = x0; fx < x1; fx++, t += 4, o += 3) {
      const a = tile[t + 3];
      if (a === 0) continue;
      if (a === 255) {
        frame[o] = tile[t];
        frame[o + 1] = tile[t + 1];
        frame[o + 2] = tile[t + 2];
      } else {
        frame[o] = (tile[t] * a + frame[o] * (255 - a) + 127) / 255;
        frame[o + 1] = (tile[t + 1] * a + frame[o + 1] * (255 - a) + 127) / 255;
        frame[o + 2] = (tile[t + 2] * a + frame[o + 2] * (255 - a) + 127) / 255;
      }
    }
  }
}

/** Where a picture's face is in the frame: its box from the landmarks, scaled onto the tile. */
function faceBoxOnTile(lfw, image, tile) {
  const s = tile.width / lfw.side;
  const face = faceBoxInPicture(lfw.landmarks.get(image));
  return { x: tile.x + face.x * s, y: tile.y + face.y * s, width: face.width * s, height: face.height * s };
}

/** One face's truth on one frame; `extra` (the picture shown, its blur) only with conditions. */
function truthEntry(a, tile, box, seen, extra) {
  return {
    appearance: a.id,
    person: a.person,
    role: a.role,
    box: { x: round1(box.x), y: round1(box.y), width: round1(box.width), height: round1(box.height) },
    tile,
    visible: Math.round(seen * 1000) / 1000,
    ...extra,
  };
}

/**
 * The frames of a video with `conditions` (src/video/conditions.js): each appearance shows its
 * pictures in turn, lit by its gain and smeared by its motion; occluders go in front of all; the
 * frame's exposure changes and noise is added. compose(frame, f) draws frame f over the
 * background already in `frame` and returns its truth entries (box from the landmarks of the
 * picture shown, visible counted pixel by pixel, `picture`: index into the appearance's images,
 * `blur`: the motion blur's length in pixels).
 */
function sceneComposer({ appearances, people, options, conditions, random, frameCount, lfw, tiles }) {
  const { width, height, fps } = options;
  scene.dressAppearances(appearances, people, conditions, fps, random);
  const occluders = scene.planOccluders(conditions, options, frameCount, random);
  const lighting = scene.planLighting(conditions, frameCount, fps, random);
  const length = width * height * 3;
  const planes = conditions.noise > 0 ? scene.noisePlanes(conditions.noise, length, 3, random) : [];
  const draw = scene.sceneTiles(tiles);
  const screen = { x: 0, y: 0, width, height };
  const at = (a, f) => tileAt(a, f, options);
  async function compose(frame, f) {
    const live = appearances.filter((a) => a.firstFrame <= f && f <= a.lastFrame);
    const placed = [];
    for (const a of live) {
      const tile = at(a, f);
      const picture = scene.pictureAt(a, f);
      const blur = conditions.exposure > 0 ? Math.round(scene.speedAt(at, a, f) * conditions.exposure) : 0;
      const drawn = await draw(a.images[picture], tile.width, a.gain, blur);
      const x = tile.x + drawn.shift;
      scene.blitRect(frame, width, height, drawn.data, drawn.width, drawn.height, x, tile.y);
      placed.push({ a, tile, picture, blur: blur > 1 ? blur : 0, drawn: { data: drawn.data, x, y: tile.y, width: drawn.width, height: drawn.height } });
    }
    const covers = occluders.map((o) => ({ o, rect: scene.occluderAt(o, f) })).filter((x) => x.rect);
    for (const { o, rect } of covers) scene.paintOccluder(frame, width, height, rect, o.shade);
    const entries = placed.map(({ a, tile, picture, blur }, k) => {
      const box = faceBoxOnTile(lfw, a.images[picture], tile);
      const seen = intersect(box, screen) ? scene.visibleShare(box, placed.slice(k + 1).map((p) => p.drawn), covers.map((c) => c.rect), width, height) : 0;
      return truthEntry(a, tile, box, seen, { picture, blur });
    });
    const noise = planes.length ? planes[Math.floor(random() * planes.length)] : undefined;
    scene.expose(frame, lighting[f], noise, noise ? Math.floor(random() * length) : 0);
    return entries;
  }
  const rounded = (v) => Math.round(v * 1000) / 1000;
  return {
    compose,
    occluders,
    lighting: lighting.map((l) => ({ brightness: rounded(l.brightness), contrast: rounded(l.contrast) })),
  };
}

/**
 * Makes (or reuses) a video with its ground truth. Returns { dir, video, truthFile,
 * enrolmentFile, truth, enrolment }.
 * @param {Partial<typeof DEFAULTS> & { outDir?: string, dataDir?: string, ffmpegPath?: string }} [userOptions]
 */
async function makeVideo(userOptions = {}) {
  const options = { ...DEFAULTS, ...userOptions };
  const conditions = scene.readConditions(options.conditions);
  const dataDir = resolve(options.dataDir || process.env.FACE_REID_DATA || join(__dirname, '..', '..', '..', 'shared', 'data'));
  const { outDir: _o, dataDir: _d, ffmpegPath: _f, ...identity } = options;
  const key = createHash('sha1').update(JSON.stringify(identity)).digest('hex').slice(0, 12);
  const dir = resolve(options.outDir || join(process.env.FACE_REID_TEST_OUTPUT || '/tmp', 'videos', `${options.seconds}s-${options.people}p-seed${options.seed}-${key}`));
  mkdirSync(dir, { recursive: true });
  const video = join(dir, 'video.mp4');
  const truthFile = join(dir, 'truth.json');
  const enrolmentFile = join(dir, 'enrolment.json');
  if (existsSync(video) && existsSync(truthFile) && existsSync(enrolmentFile)) {
    const truth = JSON.parse(readFileSync(truthFile, 'utf8'));
    if (truth.key === key) return { dir, video, truthFile, enrolmentFile, truth, enrolment: JSON.parse(readFileSync(enrolmentFile, 'utf8')) };
  }

  const random = rng(options.seed);
  const crandom = conditions ? scene.conditionsRandom(options.seed) : undefined;
  const lfw = readLfw(dataDir, options.imageSet);
  const people = castPeople(lfw, options, random, conditions?.videoPictures);
  const { appearances, frameCount } = planAppearances(people, options, random, conditions, crandom);
  const { width, height, fps } = options;
  const bg = await background(width, height, random);
  const tiles = tileCache(lfw.root, lfw.side);
  const withConditions = conditions && sceneComposer({ appearances, people, options, conditions, random: crandom, frameCount, lfw, tiles });

  // Written under a private name and renamed when complete: a reader never sees half a video.
  const partial = join(dir, `video.${process.pid}.part.mp4`);
  const encoder = spawn(
    options.ffmpegPath || process.env.FACE_REID_FFMPEG || 'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(options.crf), '-pix_fmt', 'yuv420p', '-g', String(2 * fps), '-movflags', '+faststart', partial],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  encoder.stderr.on('data', (d) => (stderr += d));
  const encoded = new Promise((resolveExit, reject) => {
    encoder.on('error', reject);
    encoder.on('exit', (code) => (code === 0 ? resolveExit() : reject(new Error(`ffmpeg (encoder) exited with ${code}: ${stderr}`))));
  });

  const frames = [];
  const frame = Buffer.alloc(width * height * 3);
  for (let f = 0; f < frameCount; f++) {
    bg.copy(frame);
    if (withConditions) {
      frames.push(await withConditions.compose(frame, f));
      if (!encoder.stdin.write(frame)) await new Promise((r) => encoder.stdin.once('drain', r));
      continue;
    }
    // Later appearances are drawn over earlier ones (they are "in front").
    const visible = appearances.filter((a) => a.firstFrame <= f && f <= a.lastFrame);
    const placed = visible.map((a) => ({ a, tile: tileAt(a, f, options) }));
    for (const { a, tile } of placed) blit(frame, width, height, await tiles(a.image, tile.width), tile.width, tile.x, tile.y);
    const screen = { x: 0, y: 0, width, height };
    frames.push(
      placed.map(({ a, tile }, k) => {
        const box = faceBoxOnTile(lfw, a.image, tile);
        const onScreen = intersect(box, screen);
        let covered = 0;
        for (const later of placed.slice(k + 1)) covered = Math.max(covered, area(intersect(onScreen ?? box, later.tile)));
        const seen = Math.max(0, area(onScreen) - covered) / area(box);
        return truthEntry(a, tile, box, seen);
      }),
    );
    if (!encoder.stdin.write(frame)) await new Promise((r) => encoder.stdin.once('drain', r));
  }
  encoder.stdin.end();
  await encoded;
  renameSync(partial, video);

  const truth = {
    key,
    width,
    height,
    fps,
    frameCount,
    seed: options.seed,
    imageSet: options.imageSet,
    people: people.map((p) => ({ ...p, enrolment: p.enrolment.map((f) => join(lfw.root, f)), video: p.video.map((f) => join(lfw.root, f)) })),
    appearances: appearances.map(({ path: _path, image, images, ...a }) => ({ ...a, image: join(lfw.root, image), ...(images && { images: images.map((f) => join(lfw.root, f)) }) })),
    frames,
  };
  if (withConditions) Object.assign(truth, { conditions: options.conditions, crf: options.crf, occluders: withConditions.occluders, lighting: withConditions.lighting });
  const enrolment = people.filter((p) => p.role === 'enrolled').map((p) => ({ name: p.name, files: p.enrolment.map((f) => join(lfw.root, f)) }));
  writeFileSync(enrolmentFile, JSON.stringify(enrolment, null, 1));
  writeFileSync(`${truthFile}.${process.pid}`, JSON.stringify(truth));
  renameSync(`${truthFile}.${process.pid}`, truthFile);
  return { dir, video, truthFile, enrolmentFile, truth, enrolment };
}

/** The demo's: 10 s, 6 people (two strangers, two coming back), 1280x720 to keep the demo short. */
const DEMO_VIDEO = { seconds: 10, fps: 25, width: 1280, height: 720, tileSize: [140, 380], people: 6, strangers: 1 / 3, returning: 0.34, appearanceSeconds: [2, 4], seed: 5 };
/** The required accuracy video: 60 s, 30 people, a third strangers, at 30 fps. */
const ACCURACY_VIDEO = { seconds: 60, fps: 30, people: 30, strangers: 1 / 3, seed: 15 };
/** A short one for the tests: 8 s, 6 people (two of them come back). */
const SHORT_VIDEO = { seconds: 8, fps: 30, people: 6, strangers: 1 / 3, returning: 0.34, appearanceSeconds: [2, 3], seed: 3 };
/**
 * The accuracy video's cast and length through a door camera (src/video/conditions.js): pictures
 * alternating within an appearance, small faces, fast crossings with motion blur, occluders,
 * changing light, sensor noise, stronger compression (crf 30).
 */
const HARD_VIDEO = { seconds: 60, fps: 30, people: 30, strangers: 1 / 3, seed: 21, tileSize: [180, 520], crf: 30, conditions: scene.HARD_CONDITIONS };
/** The same door camera for the tests: 10 s, 12 people (4 strangers). */
const HARD_SHORT_VIDEO = { seconds: 10, fps: 30, people: 12, strangers: 1 / 3, returning: 0.25, appearanceSeconds: [2.5, 4], seed: 22, tileSize: [180, 520], crf: 30, conditions: scene.HARD_CONDITIONS };

module.exports = { makeVideo, faceBoxInPicture, ACCURACY_VIDEO, SHORT_VIDEO, DEMO_VIDEO, HARD_VIDEO, HARD_SHORT_VIDEO, HARD_CONDITIONS: scene.HARD_CONDITIONS, DEFAULTS };
