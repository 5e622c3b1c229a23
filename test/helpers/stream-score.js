'use strict';
// Scores stream output against a generated video's ground truth (test/helpers/make-video.js),
// per appearance (one person's one passage through the frame), for our tracked stream and for
// per-frame identification alike. Both give, per frame, boxes with a label; each truth face is
// paired with at most one box per frame (IoU >= MIN_IOU, best first), and an appearance's answer
// is the label it was shown with on most of its paired frames:
//   enrolled named correctly: that label is the person's name;
//   stranger named:           that label is a gallery label (any name at all);
//   stranger ever named:      a gallery label on any frame (the stricter count, reported too).
// Label changes: for tracks, changes of the label of a confirmed track (track.updated events,
// counted by the caller); along each appearance, for either way, from its paired frames in order:
//   flips:        the shown name changed to another name from one paired frame to the next;
//   labelChanges: the shown label changed at all, a name to none or none to a name included,
//                 counted from the first frame the appearance was named on (so a track's pending
//                 start or a face's first unknown frames are not flicker, but a name coming and
//                 going is, as is a track lost and found again under a new, pending id).

const MIN_IOU = 0.3;
/** Truth faces less visible than this are not scored (half covered or off screen). */
const MIN_VISIBLE = 0.5;

function iou(a, b) {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy by IoU: pairs of (truth face, box) per frame. */
function pair(truthFaces, boxes) {
  const candidates = [];
  truthFaces.forEach((t, i) => boxes.forEach((b, j) => {
    const o = iou(t.box, b.box);
    if (o >= MIN_IOU) candidates.push([o, i, j]);
  }));
  candidates.sort((a, b) => b[0] - a[0]);
  const usedT = new Set();
  const usedB = new Set();
  const pairs = [];
  for (const [, i, j] of candidates) {
    if (usedT.has(i) || usedB.has(j)) continue;
    usedT.add(i);
    usedB.add(j);
    pairs.push([truthFaces[i], boxes[j]]);
  }
  return pairs;
}

/** Changes of the shown label (null: none) along one appearance, from its first named frame on. */
function labelChanges(labels) {
  const first = labels.findIndex((l) => l !== null);
  if (first < 0) return 0;
  let changes = 0;
  for (let k = first + 1; k < labels.length; k++) if (labels[k] !== labels[k - 1]) changes++;
  return changes;
}

/**
 * `perFrame[f]`: [{ box, label, kind }] shown on frame f (kind 'gallery' | 'visitor' | null;
 * label null or 'Unknown' for no name). `isGallery(label)`: whether a label is a gallery name.
 */
function scoreAppearances(truth, perFrame, isGallery) {
  const shown = new Map(); // appearance id -> labels per paired frame (null when unnamed)
  for (let f = 0; f < truth.frames.length; f++) {
    const faces = truth.frames[f].filter((t) => t.visible >= MIN_VISIBLE);
    const boxes = perFrame[f] ?? [];
    for (const [t, b] of pair(faces, boxes)) {
      const label = b.label && isGallery(b.label) ? b.label : null;
      if (!shown.has(t.appearance)) shown.set(t.appearance, []);
      shown.get(t.appearance).push(label);
    }
  }
  const result = { enrolled: 0, enrolledCorrect: 0, strangers: 0, strangersNamed: 0, strangersEverNamed: 0, unscored: 0, flips: 0, labelChanges: 0, appearances: 0 };
  for (const a of truth.appearances) {
    const labels = shown.get(a.id);
    if (!labels || labels.length === 0) {
      result.unscored++;
      continue;
    }
    result.appearances++;
    const counts = new Map();
    for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const dominant = [...counts].sort((x, y) => y[1] - x[1])[0][0];
    for (let k = 1; k < labels.length; k++) if (labels[k] !== labels[k - 1] && labels[k] !== null && labels[k - 1] !== null) result.flips++;
    result.labelChanges += labelChanges(labels);
    if (a.role === 'enrolled') {
      result.enrolled++;
      if (dominant === a.person) result.enrolledCorrect++;
    } else {
      result.strangers++;
      if (dominant !== null) result.strangersNamed++;
      if (labels.some((l) => l !== null)) result.strangersEverNamed++;
    }
  }
  return {
    ...result,
    enrolledCorrectRate: result.enrolled ? result.enrolledCorrect / result.enrolled : NaN,
    strangerNamedRate: result.strangers ? result.strangersNamed / result.strangers : NaN,
    strangerEverNamedRate: result.strangers ? result.strangersEverNamed / result.strangers : NaN,
    labelChangesPerAppearance: result.appearances ? result.labelChanges / result.appearances : NaN,
  };
}

module.exports = { scoreAppearances, labelChanges, iou, MIN_IOU, MIN_VISIBLE };
