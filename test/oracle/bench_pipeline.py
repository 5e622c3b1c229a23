"""Benchmark oracle: the Open Model Zoo demo pipeline of omz_pipeline.py (detector, landmarks per
face, direct alignment, re-identification per face) timed on the same frame as bench/pipeline.js.

Served as bench_oracle.py is (one JSON command per stdin line, one JSON answer per stdout line), so
bench/pipeline.js can interleave its own rounds with ours under the same machine load:
  {"cmd": "setup", "modelDir", "frame": packed BGR file, "width", "height", "jpeg", "confidence",
   "square"?}                          compiles both hints' models, -> {"faces"}
  {"cmd": "latency", "runs"}           median ms per decoded frame (PERFORMANCE_HINT=LATENCY)
  {"cmd": "decode", "runs"}            the same with cv2.imdecode of the JPEG included
  {"cmd": "throughput", "seconds", "threads"}
                                       frames/s with that many threads (PERFORMANCE_HINT=THROUGHPUT)
  {"cmd": "quit"}
The detector input keeps the frame's aspect ratio as FacePipeline's does, unless `square` (the
demo's default 300x300). Latency and decode also answer cpuMsPerFrame, throughput too.

latency: one frame at a time, the frame already decoded (decode: cv2.imdecode of the JPEG
included). throughput: one Python thread per frame in flight, each with its own infer requests
(OpenVINO releases the GIL while inferring), frames per second over `seconds`."""
import statistics
import sys
import threading
import time

import cv2
import numpy as np

from bench_oracle import serve
from omz_common import align_bgr, compile_model, detector_input_size, l2_normalise
from omz_pipeline import DETECTOR, LANDMARKS, REID, crop, enlarged_roi, to_planes


class Requests:
    """One infer request per model: what one thread needs to run the pipeline on its own."""

    def __init__(self, detector, landmarker, reid):
        self.models = (detector, landmarker, reid)
        self.detector, self.landmarker, self.reid = (m.create_infer_request() for m in self.models)

    @staticmethod
    def run(request, model, data):
        return request.infer({0: data})[model.output(0)]


def analyze(req, frame, confidence=0.6, roi_scale=1.15):
    """omz_pipeline's detect / landmarks_for / align_bgr + reid, per face as the demo, on this
    thread's own infer requests (a CompiledModel call is not safe from several threads)."""
    detector, landmarker, reid = req.models
    h, w = frame.shape[:2]
    rows = req.run(req.detector, detector, to_planes(frame, *STATE['detectorSize'])[None]).reshape(-1, 7)
    faces = []
    for row in rows:
        if row[0] < 0 or row[2] < confidence:
            break
        position, size = enlarged_roi(row, w, h, roi_scale)
        patch = crop(frame, position, size)
        out = req.run(req.landmarker, landmarker, to_planes(patch, 48, 48)[None]).reshape(-1, 2).astype(np.float64)
        points = position + size * out
        embedding = l2_normalise(req.run(req.reid, reid, align_bgr(frame, points)[None]))
        faces.append((float(row[2]), points, embedding))
    return faces


# The frame, its JPEG, the compiled models and the threads' requests, set by the setup command.
STATE = {}


def compile_all(model_dir, hint, detector_size):
    config = {'PERFORMANCE_HINT': hint}
    return [compile_model(model_dir, m, 'FP16', 'CPU', config, image_size=detector_size if m == DETECTOR else None)
            for m in (DETECTOR, LANDMARKS, REID)]


def cmd_setup(job):
    width, height = job['width'], job['height']
    STATE.clear()
    STATE.update(
        detectorSize=detector_input_size(width, height, keep_aspect=not job.get('square', False)),
        frame=np.fromfile(job['frame'], dtype=np.uint8).reshape(height, width, 3),
        encoded=np.fromfile(job['jpeg'], dtype=np.uint8),
        confidence=job.get('confidence', 0.6),
        pools={},
    )
    STATE['latency'] = Requests(*compile_all(job['modelDir'], 'LATENCY', STATE['detectorSize']))
    STATE['throughputModels'] = compile_all(job['modelDir'], 'THROUGHPUT', STATE['detectorSize'])
    faces = len(analyze(STATE['latency'], STATE['frame'], STATE['confidence']))
    for _ in range(10):
        analyze(STATE['latency'], STATE['frame'], STATE['confidence'])
    return {'faces': faces}


def timed_frames(runs, next_frame):
    times = []
    cpu = time.process_time()
    for _ in range(runs):
        start = time.perf_counter()
        analyze(STATE['latency'], next_frame(), STATE['confidence'])
        times.append((time.perf_counter() - start) * 1000)
    return {'medianMs': statistics.median(times), 'cpuMsPerFrame': (time.process_time() - cpu) * 1000 / len(times)}


def cmd_latency(job):
    return timed_frames(job['runs'], lambda: STATE['frame'])


def cmd_decode(job):
    return timed_frames(job['runs'], lambda: cv2.imdecode(STATE['encoded'], cv2.IMREAD_COLOR))


def cmd_throughput(job):
    threads, pools, frame = job['threads'], STATE['pools'], STATE['frame']
    if threads not in pools:
        pools[threads] = [Requests(*STATE['throughputModels']) for _ in range(threads)]
        for r in pools[threads]:
            analyze(r, frame, STATE['confidence'])  # warm each thread's requests
    cpu = time.process_time()
    fps, frames = throughput(pools[threads], frame, job['seconds'], STATE['confidence'])
    return {'fps': fps, 'cpuMsPerFrame': (time.process_time() - cpu) * 1000 / frames}


def throughput(pool, frame, seconds, confidence):
    done = [0]
    lock = threading.Lock()
    start_at = time.perf_counter()

    def worker(r):
        while time.perf_counter() - start_at < seconds:
            analyze(r, frame, confidence)
            with lock:
                done[0] += 1

    workers = [threading.Thread(target=worker, args=(r,)) for r in pool]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return done[0] / (time.perf_counter() - start_at), done[0]


if __name__ == '__main__':
    sys.exit(serve({'setup': cmd_setup, 'latency': cmd_latency, 'decode': cmd_decode, 'throughput': cmd_throughput}))
