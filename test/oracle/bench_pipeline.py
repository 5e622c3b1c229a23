"""Benchmark oracle: the Open Model Zoo demo pipeline of omz_pipeline.py (detector, landmarks per
face, direct alignment, re-identification per face) timed on the same frame as bench/pipeline.js.

Usage: bench_pipeline.py <modelDir> <frame.bgr> <width> <height> <frame.jpg> [confidence [square]],
then commands on stdin (see main). The detector input keeps the frame's aspect ratio as FacePipeline's
does, unless `square` (the demo's default 300x300).

latency: one frame at a time, PERFORMANCE_HINT=LATENCY, the frame already decoded (and, for
decodeLatency, cv2.imdecode of the JPEG included). throughput: PERFORMANCE_HINT=THROUGHPUT, one
Python thread per frame in flight, each with its own infer requests (OpenVINO releases the GIL
while inferring), frames per second over `seconds`."""
import json
import statistics
import sys
import threading
import time

import cv2
import numpy as np

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
    rows = req.run(req.detector, detector, to_planes(frame, *DETECTOR_SIZE)[None]).reshape(-1, 7)
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


# The detector input (width, height) for the benchmark frame, as FacePipeline sizes it; set in main().
DETECTOR_SIZE = (300, 300)


def compile_all(model_dir, hint):
    config = {'PERFORMANCE_HINT': hint}
    return [compile_model(model_dir, m, 'FP16', 'CPU', config, image_size=DETECTOR_SIZE if m == DETECTOR else None)
            for m in (DETECTOR, LANDMARKS, REID)]


def main():
    """Commands on stdin, one JSON line each back, so bench/pipeline.js can interleave its own
    rounds with ours under the same machine load:
      latency <runs>            median ms per decoded frame (PERFORMANCE_HINT=LATENCY)
      decode <runs>             the same with cv2.imdecode of the JPEG included
      throughput <seconds> <n>  frames/s with n threads (PERFORMANCE_HINT=THROUGHPUT)"""
    model_dir, raw, width, height, jpeg = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    confidence = float(sys.argv[6]) if len(sys.argv) > 6 else 0.6
    global DETECTOR_SIZE
    DETECTOR_SIZE = detector_input_size(width, height, keep_aspect=len(sys.argv) <= 7 or sys.argv[7] != 'square')
    frame = np.fromfile(raw, dtype=np.uint8).reshape(height, width, 3)
    encoded = np.fromfile(jpeg, dtype=np.uint8)
    latency_req = Requests(*compile_all(model_dir, 'LATENCY'))
    throughput_models = compile_all(model_dir, 'THROUGHPUT')
    pools = {}
    faces = len(analyze(latency_req, frame, confidence))
    for _ in range(10):
        analyze(latency_req, frame, confidence)
    print(json.dumps({'faces': faces}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] in ('latency', 'decode'):
            times = []
            cpu = time.process_time()
            for _ in range(int(cmd[1])):
                start = time.perf_counter()
                analyze(latency_req, frame if cmd[0] == 'latency' else cv2.imdecode(encoded, cv2.IMREAD_COLOR), confidence)
                times.append((time.perf_counter() - start) * 1000)
            print(json.dumps({'medianMs': statistics.median(times), 'cpuMsPerFrame': (time.process_time() - cpu) * 1000 / len(times)}), flush=True)
        elif cmd[0] == 'throughput':
            seconds, threads = float(cmd[1]), int(cmd[2])
            if threads not in pools:
                pools[threads] = [Requests(*throughput_models) for _ in range(threads)]
                for r in pools[threads]:
                    analyze(r, frame, confidence)  # warm each thread's requests
            cpu = time.process_time()
            fps, frames = throughput(pools[threads], frame, seconds, confidence)
            print(json.dumps({'fps': fps, 'cpuMsPerFrame': (time.process_time() - cpu) * 1000 / frames}), flush=True)
        else:
            raise SystemExit(f'unknown command {cmd[0]}')


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
    main()
