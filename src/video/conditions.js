'use strict';
// What a real door camera adds to the clean generated video (make-video.js, option `conditions`),
// every part drawn from the video's seed and every part off unless asked for:
//
//   videoPictures, maxPictures, switchSeconds
//       each appearance alternates between up to maxPictures of the person's video pictures,
//       switching every switchSeconds (as a head turns); people need videoPictures of them
//   small: { share, tileSize }   that share of the crossings drawn at tile sides in tileSize (the
//                                face is about a third of the side: 136-190 px gives 45-63 px faces)
//   fast: { share, seconds }     that share of the crossings lasting `seconds` (fast walkers)
//   exposure                     motion blur: a moving picture is smeared along its motion over
//                                this share of the pixels it moves from one frame to the next
//   pillars, pillarWidth         static vertical bars in front of everyone (door frame, pillar)
//   railings, railingHeight      static horizontal bars over part of the width (counter, railing)
//   passersPerMinute, passerWidth, passerSeconds
//                                full-height dark bars crossing fast in front of everyone (someone
//                                walking close past the camera)
//   faceGain                     per appearance, the picture's brightness times a factor from this
//                                range (a person under a lamp or against the light)
//   brightness, contrast, lightSeconds, lightRamp
//                                the whole frame's exposure: a level held for lightSeconds, then
//                                ramped over lightRamp seconds to the next (lights, clouds, the
//                                camera's auto exposure): offset within ±brightness, contrast
//                                factor within the range
//   noise                        sensor noise: per pixel and channel, Gaussian, this standard
//                                deviation in grey levels, new on every frame
//
// The ground truth stays exact: the face box comes from the landmarks of the picture shown on
// that frame, at its unblurred place (the blur is centred on it), and `visible` is the share of
// the face box's pixels on screen, weighted by how much of each shows through the pictures drawn
// later (their alpha) and not under an occluder.
const { rng } = require('../util/random');

/** The door camera of the `hard` presets. */
const HARD_CONDITIONS = Object.freeze({
  videoPictures: 2,
  maxPictures: 4,
  switchSeconds: [0.7, 1.5],
  small: { share: 0.25, tileSize: [136, 190] },
  fast: { share: 0.2, seconds: [1.2, 2] },
  exposure: 0.6,
  pillars: 2,
  pillarWidth: [40, 90],
  railings: 1,
  railingHeight: [40, 70],
  passersPerMinute: 8,
  passerWidth: [140, 280],
  passerSeconds: [0.5, 0.9],
  faceGain: [0.6, 1.25],
  brightness: 30,
  contrast: [0.7, 1.1],
  lightSeconds: [3, 8],
  lightRamp: [0.4, 1.2],
  noise: 5,
});

/** Everything off: what an absent field means. */
const OFF = {
  videoPictures: 1,
  maxPictures: 1,
  switchSeconds: undefined,
  small: { share: 0, tileSize: undefined },
  fast: { share: 0, seconds: undefined },
  exposure: 0,
  pillars: 0,
  pillarWidth: [40, 90],
  railings: 0,
  railingHeight: [40, 70],
  passersPerMinute: 0,
  passerWidth: [140, 280],
  passerSeconds: [0.5, 0.9],
  faceGain: [1, 1],
  brightness: 0,
  contrast: [1, 1],
  lightSeconds: [3, 8],
  lightRamp: [0.4, 1.2],
  noise: 0,
};

const describe = (v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));

function range(value, name, min, max = Infinity) {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'number' && v >= min && v <= max) || value[0] > value[1]) {
    throw new RangeError(`Expected [low, high] with ${min} <= low <= high <= ${max} for conditions.${name} but received ${describe(value)}`);
  }
  return [value[0], value[1]];
}

function number(value, name, min, max = Infinity, integer = false) {
  if (typeof value !== 'number' || !(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`Expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max} for conditions.${name} but received ${describe(value)}`);
  }
  return value;
}

function part(value, name, keys) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`Expected an object for conditions.${name} but received ${describe(value)}`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) throw new RangeError(`conditions.${name} has no option '${key}' (${keys.join(', ')})`);
  return value;
}

/** The conditions asked for, checked, with every absent part off; undefined when none asked. */
function readConditions(conditions) {
  if (conditions === undefined) return undefined;
  part(conditions, '(conditions)', Object.keys(OFF));
  const c = { ...OFF, ...conditions };
  const out = {
    videoPictures: number(c.videoPictures, 'videoPictures', 1, 100, true),
    maxPictures: number(c.maxPictures, 'maxPictures', 1, 100, true),
    switchSeconds: c.switchSeconds === undefined ? undefined : range(c.switchSeconds, 'switchSeconds', 0.05),
    small: { share: 0, tileSize: undefined, ...part(c.small, 'small', ['share', 'tileSize']) },
    fast: { share: 0, seconds: undefined, ...part(c.fast, 'fast', ['share', 'seconds']) },
    exposure: number(c.exposure, 'exposure', 0, 1),
    pillars: number(c.pillars, 'pillars', 0, 20, true),
    pillarWidth: range(c.pillarWidth, 'pillarWidth', 1),
    railings: number(c.railings, 'railings', 0, 20, true),
    railingHeight: range(c.railingHeight, 'railingHeight', 1),
    passersPerMinute: number(c.passersPerMinute, 'passersPerMinute', 0, 600),
    passerWidth: range(c.passerWidth, 'passerWidth', 1),
    passerSeconds: range(c.passerSeconds, 'passerSeconds', 0.05),
    faceGain: range(c.faceGain, 'faceGain', 0.05, 4),
    brightness: number(c.brightness, 'brightness', 0, 128),
    contrast: range(c.contrast, 'contrast', 0.05, 4),
    lightSeconds: range(c.lightSeconds, 'lightSeconds', 0.05),
    lightRamp: range(c.lightRamp, 'lightRamp', 0),
    noise: number(c.noise, 'noise', 0, 64),
  };
  number(out.small.share, 'small.share', 0, 1);
  number(out.fast.share, 'fast.share', 0, 1);
  if (out.small.share + out.fast.share > 1) throw new RangeError(`conditions.small.share + conditions.fast.share is at most 1, not ${out.small.share + out.fast.share}`);
  if (out.small.share > 0) out.small.tileSize = range(out.small.tileSize, 'small.tileSize', 8);
  if (out.fast.share > 0) out.fast.seconds = range(out.fast.seconds, 'fast.seconds', 0.1);
  return out;
}

/** The random numbers of the conditions: a stream of their own, so they leave the clean plan's alone. */
const conditionsRandom = (seed) => rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ 0x5bd1e995) >>> 0);

const between = (random, [lo, hi]) => lo + (hi - lo) * random();

/** 'small', 'fast' or 'normal': how one crossing goes. */
function crossingStyle(c, random) {
  const r = random();
  if (r < c.small.share) return 'small';
  if (r < c.small.share + c.fast.share) return 'fast';
  return 'normal';
}

/**
 * Per appearance: its pictures (starting with the one the clean plan gave it, then the person's
 * other video pictures in order), when each shows, and its lighting gain.
 */
function dressAppearances(appearances, people, c, fps, random) {
  const byName = new Map(people.map((p) => [p.name, p]));
  for (const a of appearances) {
    const video = byName.get(a.person).video;
    const start = video.indexOf(a.image);
    const images = [];
    for (let k = 0; k < Math.min(c.maxPictures, video.length); k++) images.push(video[(start + k) % video.length]);
    const pictures = [{ from: a.firstFrame, picture: 0 }];
    if (images.length > 1 && c.switchSeconds) {
      for (let f = a.firstFrame, k = 0; ; ) {
        f += Math.max(1, Math.round(between(random, c.switchSeconds) * fps));
        if (f > a.lastFrame) break;
        k = (k + 1) % images.length;
        pictures.push({ from: f, picture: k });
      }
    }
    a.images = images;
    a.pictures = pictures;
    a.gain = Math.round(between(random, c.faceGain) * 20) / 20;
  }
}

/** Index into `a.images` of the picture shown at frame f. */
function pictureAt(a, f) {
  let k = 0;
  for (const p of a.pictures) if (p.from <= f) k = p.picture;
  return k;
}

/** Occluders in front of everyone: { kind, x, y, width, height, firstFrame, lastFrame, shade, x1? }. */
function planOccluders(c, { width, height, fps }, frameCount, random) {
  const out = [];
  for (let i = 0; i < c.pillars; i++) {
    const w = Math.round(between(random, c.pillarWidth));
    out.push({ kind: 'pillar', x: Math.round(between(random, [0.12, 0.88]) * width - w / 2), y: 0, width: w, height, firstFrame: 0, lastFrame: frameCount - 1, shade: Math.round(between(random, [45, 110])) });
  }
  for (let i = 0; i < c.railings; i++) {
    const h = Math.round(between(random, c.railingHeight));
    const w = Math.round(between(random, [0.3, 0.6]) * width);
    out.push({ kind: 'railing', x: Math.round(random() * (width - w)), y: Math.round(between(random, [0.45, 0.75]) * height), width: w, height: h, firstFrame: 0, lastFrame: frameCount - 1, shade: Math.round(between(random, [110, 170])) });
  }
  const passers = Math.round((c.passersPerMinute * frameCount) / fps / 60);
  for (let i = 0; i < passers; i++) {
    const w = Math.round(between(random, c.passerWidth));
    const length = Math.max(2, Math.round(between(random, c.passerSeconds) * fps));
    const first = Math.floor(random() * Math.max(1, frameCount - length));
    const leftToRight = random() < 0.5;
    out.push({ kind: 'passer', x: leftToRight ? -w : width, x1: leftToRight ? width : -w, y: 0, width: w, height, firstFrame: first, lastFrame: Math.min(frameCount - 1, first + length - 1), shade: Math.round(between(random, [20, 60])) });
  }
  return out;
}

/** Where an occluder is at frame f (integers), or undefined when it is not there. */
function occluderAt(o, f) {
  if (f < o.firstFrame || f > o.lastFrame) return undefined;
  if (o.kind !== 'passer') return { x: o.x, y: o.y, width: o.width, height: o.height };
  const t = o.lastFrame === o.firstFrame ? 0.5 : (f - o.firstFrame) / (o.lastFrame - o.firstFrame);
  return { x: Math.round(o.x + (o.x1 - o.x) * t), y: o.y, width: o.width, height: o.height };
}

/** Paints an occluder opaque: its shade with lighter edges (so it reads as a thing, not a hole). */
function paintOccluder(frame, width, height, rect, shade) {
  const x0 = Math.max(0, rect.x);
  const x1 = Math.min(width, rect.x + rect.width);
  const y0 = Math.max(0, rect.y);
  const y1 = Math.min(height, rect.y + rect.height);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const edge = x - rect.x < 4 || rect.x + rect.width - 1 - x < 4 || y - rect.y < 3 || rect.y + rect.height - 1 - y < 3;
      const v = edge ? Math.min(255, shade + 40) : shade;
      const o = (y * width + x) * 3;
      frame[o] = v;
      frame[o + 1] = v;
      frame[o + 2] = Math.max(0, v - 8);
    }
  }
}

/** The whole frame's exposure per frame: [{ brightness, contrast }], levels held and ramped. */
function planLighting(c, frameCount, fps, random) {
  const level = () => ({ brightness: (2 * random() - 1) * c.brightness, contrast: between(random, c.contrast) });
  const out = new Array(frameCount);
  let from = level();
  let f = 0;
  while (f < frameCount) {
    const hold = Math.max(1, Math.round(between(random, c.lightSeconds) * fps));
    const ramp = Math.round(between(random, c.lightRamp) * fps);
    const to = level();
    for (let k = 0; k < hold && f < frameCount; k++, f++) out[f] = from;
    for (let k = 0; k < ramp && f < frameCount; k++, f++) {
      const t = (k + 1) / (ramp + 1);
      out[f] = { brightness: from.brightness + (to.brightness - from.brightness) * t, contrast: from.contrast + (to.contrast - from.contrast) * t };
    }
    from = to;
  }
  return out;
}

/**
 * Gaussian noise planes (Int8, one value per pixel and channel); a frame reads one from a random
 * offset, so the noise differs from frame to frame without drawing 6 million numbers each time.
 */
function noisePlanes(sigma, length, count, random) {
  const planes = [];
  for (let p = 0; p < count; p++) {
    const plane = new Int8Array(length);
    for (let i = 0; i < length; i += 2) {
      // Box-Muller: two normal numbers from two uniform ones.
      const r = Math.sqrt(-2 * Math.log(1 - random())) * sigma;
      const t = 2 * Math.PI * random();
      plane[i] = Math.max(-127, Math.min(127, Math.round(r * Math.cos(t))));
      if (i + 1 < length) plane[i + 1] = Math.max(-127, Math.min(127, Math.round(r * Math.sin(t))));
    }
    planes.push(plane);
  }
  return planes;
}

/** Exposure (brightness, contrast) then noise, in place over the RGB frame. */
function expose(frame, light, noise, offset) {
  const lut = new Uint8ClampedArray(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.round((v - 128) * light.contrast + 128 + light.brightness);
  const out = new Uint8ClampedArray(frame.buffer, frame.byteOffset, frame.length);
  const n = frame.length;
  if (!noise) {
    for (let i = 0; i < n; i++) out[i] = lut[frame[i]];
    return;
  }
  // Uint8ClampedArray clamps what is stored: the exposed value plus its noise, in 0..255.
  const split = n - offset;
  for (let i = 0; i < split; i++) out[i] = lut[frame[i]] + noise[i + offset];
  for (let i = split; i < n; i++) out[i] = lut[frame[i]] + noise[i - split];
}

/** The picture's colours times `gain` (alpha kept), as a new RGBA buffer. */
function withGain(rgba, gain) {
  if (gain === 1) return rgba;
  const out = Buffer.from(rgba);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = Math.min(255, Math.round(out[i] * gain));
    out[i + 1] = Math.min(255, Math.round(out[i + 1] * gain));
    out[i + 2] = Math.min(255, Math.round(out[i + 2] * gain));
  }
  return out;
}

/**
 * Horizontal motion blur: each output pixel is the mean of `length` input pixels along the row
 * (alpha-weighted, so the soft edge of the cut-out smears as the camera would see it). The result
 * is `length - 1` pixels wider; drawn `(length - 1) >> 1` pixels left of the sharp picture, its
 * blur is centred where the sharp one would be.
 */
function blurRows(rgba, w, h, length) {
  const ow = w + length - 1;
  const out = Buffer.alloc(ow * h * 4);
  for (let y = 0; y < h; y++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let a = 0;
    const row = y * w * 4;
    for (let x = 0; x < ow; x++) {
      if (x < w) {
        const i = row + 4 * x;
        const al = rgba[i + 3];
        r += rgba[i] * al;
        g += rgba[i + 1] * al;
        b += rgba[i + 2] * al;
        a += al;
      }
      const gone = x - length;
      if (gone >= 0 && gone < w) {
        const i = row + 4 * gone;
        const al = rgba[i + 3];
        r -= rgba[i] * al;
        g -= rgba[i + 1] * al;
        b -= rgba[i + 2] * al;
        a -= al;
      }
      const o = (y * ow + x) * 4;
      if (a > 0) {
        out[o] = Math.round(r / a);
        out[o + 1] = Math.round(g / a);
        out[o + 2] = Math.round(b / a);
        out[o + 3] = Math.round(a / length);
      }
    }
  }
  return { data: out, width: ow };
}

/** Alpha-blends an RGBA picture of any shape into an RGB frame at (x, y), clipped to the frame. */
function blitRect(frame, width, height, tile, tw, th, x, y) {
  const x0 = Math.max(0, x);
  const x1 = Math.min(width, x + tw);
  const y0 = Math.max(0, y);
  const y1 = Math.min(height, y + th);
  for (let fy = y0; fy < y1; fy++) {
    let t = ((fy - y) * tw + (x0 - x)) * 4;
    let o = (fy * width + x0) * 3;
    for (let fx = x0; fx < x1; fx++, t += 4, o += 3) {
      const a = tile[t + 3];
      if (a === 0) continue;
      frame[o] = (tile[t] * a + frame[o] * (255 - a) + 127) / 255;
      frame[o + 1] = (tile[t + 1] * a + frame[o + 1] * (255 - a) + 127) / 255;
      frame[o + 2] = (tile[t + 2] * a + frame[o + 2] * (255 - a) + 127) / 255;
    }
  }
}

/**
 * The share of a face box that the camera sees: its pixels (centres inside the box) on screen,
 * each counted by how much shows through the pictures drawn after it (1 − their alpha) and not
 * at all under an occluder, over all its pixels (on screen or not).
 */
function visibleShare(box, later, occluders, width, height) {
  const px0 = Math.ceil(box.x - 0.5);
  const px1 = Math.floor(box.x + box.width - 0.5);
  const py0 = Math.ceil(box.y - 0.5);
  const py1 = Math.floor(box.y + box.height - 0.5);
  const total = Math.max(0, px1 - px0 + 1) * Math.max(0, py1 - py0 + 1);
  if (total === 0) return 0;
  let seen = 0;
  for (let y = Math.max(0, py0); y <= Math.min(height - 1, py1); y++) {
    for (let x = Math.max(0, px0); x <= Math.min(width - 1, px1); x++) {
      if (occluders.some((o) => x >= o.x && x < o.x + o.width && y >= o.y && y < o.y + o.height)) continue;
      let through = 1;
      for (const p of later) {
        const tx = x - p.x;
        const ty = y - p.y;
        if (tx < 0 || ty < 0 || tx >= p.width || ty >= p.height) continue;
        through *= 1 - p.data[(ty * p.width + tx) * 4 + 3] / 255;
        if (through === 0) break;
      }
      seen += through;
    }
  }
  return seen / total;
}

/** Pixels a crossing moves per frame around frame f (horizontally: the crossings' motion). */
function speedAt(tileAt, a, f) {
  const f0 = Math.max(a.firstFrame, f - 1);
  const f1 = Math.min(a.lastFrame, f + 1);
  return f1 === f0 ? 0 : Math.abs(tileAt(a, f1).x - tileAt(a, f0).x) / (f1 - f0);
}

/** Pictures with gain and blur applied, cached by picture, size, gain and blur. */
function sceneTiles(tiles) {
  const cache = new Map();
  return async (file, size, gain, blur) => {
    const key = `${file}@${size}@${gain}@${blur}`;
    let tile = cache.get(key);
    if (!tile) {
      const lit = withGain(await tiles(file, size), gain);
      const blurred = blur > 1 ? blurRows(lit, size, size, blur) : { data: lit, width: size };
      tile = { data: blurred.data, width: blurred.width, height: size, shift: -((blur > 1 ? blur - 1 : 0) >> 1) };
      if (cache.size > 1000) cache.clear();
      cache.set(key, tile);
    }
    return tile;
  };
}

module.exports = {
  HARD_CONDITIONS,
  readConditions,
  conditionsRandom,
  crossingStyle,
  dressAppearances,
  pictureAt,
  planOccluders,
  occluderAt,
  paintOccluder,
  planLighting,
  noisePlanes,
  expose,
  blurRows,
  blitRect,
  visibleShare,
  speedAt,
  sceneTiles,
};
