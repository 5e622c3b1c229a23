"""The Open Model Zoo face_recognition_demo's logic on a video file: the reference that
bench/stream-speed.js times FaceStream against. cv2.VideoCapture decodes every frame, and every
frame goes through the three models (detector, landmarks per face, re-identification per face,
FP16 on CPU, the detector at the job's detectorPrecision if it names one, PERFORMANCE_HINT=LATENCY)
and is matched against the gallery on its own, with no tracking, as fast as it goes. The stages are omz_pipeline.py's (detector input with the frame's
aspect ratio as FacePipeline's, direct alignment); nothing here imports ov-face-reid.

Gallery conventions as the project's (src/gallery, largestFaceEmbedding): one embedding per
enrolment picture, taken from its largest face; a face's similarity to an identity is the cosine
with that identity's best sample; the faces of one frame are assigned to identities one-to-one by
minimum total cost 1 - similarity (the demo's linear_sum_assignment); an assigned similarity
below the threshold is Unknown.

Served as bench_oracle.py is (one JSON command per stdin line, one JSON answer per stdout line),
so the benchmark can alternate its rounds with ours under the same machine load:
  {"cmd": "setup", "modelDir", "gallery": [{"label", "path"}], "threshold", "confidence"?,
   "roiScale"?, "detectorPrecision"?}  compiles the models, embeds the gallery
                                       -> {"identities", "samples", "noFace": [paths]}
  {"cmd": "run", "video", "maxFrames"?, "framesOut"?}
      decodes and analyses the video -> {"frames", "seconds", "fps", "faces", "named",
      "cpuMsPerFrame", "stagesMs": {"decode", "detector", "landmarks", "reid", "match"}}
      (stagesMs: wall milliseconds per frame). framesOut: a JSON Lines file, one line per frame
      {"frame", "faces": [{"box": {x, y, width, height}, "score", "label", "similarity"}]}.
  {"cmd": "quit"}
Alone: python omz_video.py JOB.json, JOB holding the setup fields and the run fields; prints the
run's answer."""
import json
import sys
import time

import cv2
import numpy as np

from bench_oracle import serve
from omz_common import align_bgr, compile_model, l2_normalise
from omz_pipeline import DETECTOR, LANDMARKS, REID, Detectors, crop, detect, to_planes

UNKNOWN = 'Unknown'
HINT = {'PERFORMANCE_HINT': 'LATENCY'}

# The compiled models, the gallery and the job's settings, set by the setup command.
STATE = {}


def assign(cost):
    """Row -> column of the minimum-cost one-to-one assignment of a rows x columns cost matrix
    (-1 for a row left without a column when there are more rows than columns): the shortest
    augmenting path form of the Hungarian method, with row and column potentials."""
    rows, cols = cost.shape
    if rows > cols:
        by_col = assign(cost.T)
        out = np.full(rows, -1, dtype=np.int64)
        for c, r in enumerate(by_col):
            out[r] = c
        return out
    inf = float('inf')
    u, v = np.zeros(rows + 1), np.zeros(cols + 1)
    owner = np.zeros(cols + 1, dtype=np.int64)  # owner[j]: 1-based row holding column j (0: free)
    way = np.zeros(cols + 1, dtype=np.int64)
    for row in range(1, rows + 1):
        owner[0], j0 = row, 0
        slack, used = np.full(cols + 1, inf), np.zeros(cols + 1, dtype=bool)
        while owner[j0] != 0:
            used[j0] = True
            i0 = owner[j0]
            free = ~used[1:]
            reduced = cost[i0 - 1] - u[i0] - v[1:]
            better = free & (reduced < slack[1:])
            slack[1:][better] = reduced[better]
            way[1:][better] = j0
            candidates = np.where(free, slack[1:], inf)
            j1 = int(np.argmin(candidates)) + 1
            delta = candidates[j1 - 1]
            u[owner[used]] += delta
            v[used] -= delta
            slack[~used] -= delta
            j0 = j1
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    out = np.full(rows, -1, dtype=np.int64)
    for j in range(1, cols + 1):
        if owner[j]:
            out[owner[j] - 1] = j - 1
    return out


def embed_faces(frame, faces, stages=None):
    """Landmarks per face (the demo's one inference per face), then the aligned embedding per
    face; stage wall times added to `stages` when given."""
    landmarker, reid = STATE['landmarker'], STATE['reid']
    t0 = time.perf_counter()
    points = []
    for face in faces:
        patch = crop(frame, face['position'], face['size'])
        out = landmarker(to_planes(patch, 48, 48)[None])[landmarker.output(0)].reshape(-1, 2).astype(np.float64)
        points.append(face['position'] + face['size'] * out)
    t1 = time.perf_counter()
    embeddings = [l2_normalise(reid(align_bgr(frame, p)[None])[reid.output(0)]) for p in points]
    if stages is not None:
        stages['landmarks'] += t1 - t0
        stages['reid'] += time.perf_counter() - t1
    return embeddings


def largest(faces):
    """largestFaceEmbedding's choice: the face with the largest detector box."""
    return max(faces, key=lambda face: face['box'][2] * face['box'][3]) if faces else None


def cmd_setup(job):
    STATE.clear()
    STATE.update(
        detectors=Detectors(job['modelDir'], job.get('detectorPrecision', 'FP16'), HINT),
        landmarker=compile_model(job['modelDir'], LANDMARKS, 'FP16', 'CPU', HINT),
        reid=compile_model(job['modelDir'], REID, 'FP16', 'CPU', HINT),
        threshold=job['threshold'], confidence=job.get('confidence', 0.6), roiScale=job.get('roiScale', 1.15),
    )
    labels, samples, no_face = [], [], []
    for item in job['gallery']:
        image = cv2.imread(item['path'], cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"cannot read {item['path']}")
        faces = detect(STATE['detectors'], image, STATE['confidence'], STATE['roiScale'])
        subject = largest(faces)
        if subject is None:
            no_face.append(item['path'])
            continue
        labels.append(item['label'])
        samples.append(embed_faces(image, [subject])[0])
    identities = sorted(set(labels))
    STATE.update(
        identities=identities,
        sampleIdentity=np.array([identities.index(label) for label in labels], dtype=np.int64),
        samples=np.stack(samples) if samples else np.zeros((0, 256), dtype=np.float32),
    )
    return {'identities': len(identities), 'samples': len(samples), 'noFace': no_face}


def match_frame(embeddings):
    """(label, similarity) per face: best sample per identity, one-to-one assignment, threshold."""
    identities = STATE['identities']
    if not embeddings:
        return []
    if not identities:
        return [(UNKNOWN, 0.0) for _ in embeddings]
    per_sample = np.stack(embeddings) @ STATE['samples'].T
    scores = np.full((len(embeddings), len(identities)), -np.inf)
    np.maximum.at(scores.T, STATE['sampleIdentity'], per_sample.T)
    out = []
    for face, column in enumerate(assign(1.0 - scores)):
        if column < 0:
            out.append((UNKNOWN, 0.0))
            continue
        similarity = float(scores[face, column])
        out.append((identities[column] if similarity >= STATE['threshold'] else UNKNOWN, similarity))
    return out


def cmd_run(job):
    capture = cv2.VideoCapture(job['video'])
    if not capture.isOpened():
        raise ValueError(f"cv2.VideoCapture cannot open {job['video']}")
    limit = job.get('maxFrames') or float('inf')
    stages = dict.fromkeys(('decode', 'detector', 'landmarks', 'reid', 'match'), 0.0)
    frames = faces_seen = named = 0
    out = open(job['framesOut'], 'w', encoding='utf8') if job.get('framesOut') else None
    cpu, start = time.process_time(), time.perf_counter()
    try:
        while frames < limit:
            t0 = time.perf_counter()
            ok, frame = capture.read()
            t1 = time.perf_counter()
            if not ok:
                break
            faces = detect(STATE['detectors'], frame, STATE['confidence'], STATE['roiScale'])
            t2 = time.perf_counter()
            embeddings = embed_faces(frame, faces, stages)
            t3 = time.perf_counter()
            matches = match_frame(embeddings)
            stages['match'] += time.perf_counter() - t3
            stages['decode'] += t1 - t0
            stages['detector'] += t2 - t1
            faces_seen += len(faces)
            named += sum(1 for label, _ in matches if label != UNKNOWN)
            if out:
                out.write(json.dumps({'frame': frames, 'faces': [
                    {'box': dict(zip(('x', 'y', 'width', 'height'), face['box'])), 'score': face['score'],
                     'label': label, 'similarity': similarity}
                    for face, (label, similarity) in zip(faces, matches)]}) + '\n')
            frames += 1
    finally:
        capture.release()
        if out:
            out.close()
    seconds = time.perf_counter() - start
    if frames == 0:
        raise ValueError(f"no frame decoded from {job['video']}")
    return {
        'frames': frames, 'seconds': seconds, 'fps': frames / seconds, 'faces': faces_seen, 'named': named,
        'cpuMsPerFrame': (time.process_time() - cpu) * 1000 / frames,
        'stagesMs': {k: v * 1000 / frames for k, v in stages.items()},
    }


def main(argv):
    if len(argv) > 1:
        with open(argv[1], encoding='utf8') as f:
            job = json.load(f)
        cmd_setup(job)
        json.dump(cmd_run(job), sys.stdout)
        sys.stdout.write('\n')
        return 0
    return serve({'setup': cmd_setup, 'run': cmd_run})


if __name__ == '__main__':
    sys.exit(main(sys.argv))
