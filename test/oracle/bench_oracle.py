"""Benchmark oracle: the OpenVINO Python API (and OpenCV) timed on the same models, inputs and
machine as bench/*.js. It runs as a server so that Node and Python rounds can alternate in one
run without paying Python's start-up and model compilation each round: one JSON command per
stdin line, one JSON answer per stdout line. While Node measures, this process sits blocked on
stdin, so it does not compete for the CPU.

Commands (all times in milliseconds):
  {"cmd": "compile", "key", "xml", "hint"}                         -> {"requests"}
  {"cmd": "latency", "key", "input": raw float32 file, "runs"}     -> {"medianMs"}
  {"cmd": "throughput", "key", "input", "seconds"}                 -> {"fps", "requests"}
  {"cmd": "aligned", "key", "image", "faces": [[10 numbers]], "runs"}
      cv2.warpAffine + compiled() + L2 norm per face on an already decoded frame
      -> {"medianMsPerFace", "embeddings"}
  {"cmd": "quit"}
"""
import json
import statistics
import sys
import time

import cv2
import numpy as np
import openvino as ov

from omz_common import align_bgr, l2_normalise

CORE = ov.Core()
MODELS = {}


def load_input(path, compiled):
    shape = list(compiled.input(0).shape)
    return np.fromfile(path, dtype=np.float32).reshape(shape)


def cmd_compile(job):
    compiled = CORE.compile_model(job['xml'], 'CPU', {'PERFORMANCE_HINT': job['hint']})
    MODELS[job['key']] = compiled
    return {'requests': compiled.get_property('OPTIMAL_NUMBER_OF_INFER_REQUESTS')}


def cmd_latency(job):
    compiled = MODELS[job['key']]
    data = load_input(job['input'], compiled)
    request = compiled.create_infer_request()
    for _ in range(10):
        request.infer({0: data})
    times = []
    for _ in range(job['runs']):
        start = time.perf_counter()
        # The one-call API users write; it reuses one internal request like ours.
        compiled(data)
        times.append((time.perf_counter() - start) * 1000)
    return {'medianMs': statistics.median(times)}


def cmd_throughput(job):
    compiled = MODELS[job['key']]
    data = load_input(job['input'], compiled)
    queue = ov.AsyncInferQueue(compiled)
    done = [0]

    def on_done(_request, _userdata):
        done[0] += 1

    queue.set_callback(on_done)
    for _ in range(len(queue) * 2):
        queue.start_async({0: data})
    queue.wait_all()
    done[0] = 0
    start = time.perf_counter()
    while time.perf_counter() - start < job['seconds']:
        queue.start_async({0: data})
    queue.wait_all()
    elapsed = time.perf_counter() - start
    return {'fps': done[0] / elapsed, 'requests': len(queue)}


def cmd_aligned(job):
    compiled = MODELS[job['key']]
    frame = cv2.imread(job['image'], cv2.IMREAD_COLOR)
    faces = [np.array(f, dtype=np.float64).reshape(5, 2) for f in job['faces']]
    output = compiled.output(0)
    embeddings = []
    for points in faces:  # warm-up, and the embeddings for the parity check
        embeddings.append(l2_normalise(compiled(align_bgr(frame, points)[None])[output]).tolist())
    times = []
    for _ in range(job['runs']):
        start = time.perf_counter()
        for points in faces:
            l2_normalise(compiled(align_bgr(frame, points)[None])[output])
        times.append((time.perf_counter() - start) * 1000 / len(faces))
    return {'medianMsPerFace': statistics.median(times), 'embeddings': embeddings}


COMMANDS = {'compile': cmd_compile, 'latency': cmd_latency, 'throughput': cmd_throughput, 'aligned': cmd_aligned}


def serve(commands) -> int:
    """Answers one JSON command per stdin line with one JSON line, until quit (also
    bench_pipeline.py's loop)."""
    for line in sys.stdin:
        job = json.loads(line)
        if job['cmd'] == 'quit':
            break
        try:
            answer = commands[job['cmd']](job)
        except Exception as err:  # reported to Node, which fails the benchmark with it
            answer = {'error': f'{type(err).__name__}: {err}'}
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(serve(COMMANDS))
