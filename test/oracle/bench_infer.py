"""Benchmark oracle: OpenVINO Python timings for the same model and input as bench/engine.js.

Usage: bench_infer.py <model.xml> <runs> <seconds_for_throughput>
stdin: raw float32 input for one inference. stdout: JSON
{"latencyMedianMs": ..., "throughputFps": ..., "requests": ...}
"""
import json
import statistics
import sys
import time

import numpy as np
import openvino as ov


def main() -> int:
    xml, runs, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    core = ov.Core()
    data = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).reshape(1, 3, 128, 128)

    compiled = core.compile_model(xml, "CPU", {"PERFORMANCE_HINT": "LATENCY"})
    for _ in range(20):
        compiled(data)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        compiled(data)
        times.append((time.perf_counter() - start) * 1000)

    compiled_tp = core.compile_model(xml, "CPU", {"PERFORMANCE_HINT": "THROUGHPUT"})
    queue = ov.AsyncInferQueue(compiled_tp)
    done = [0]

    def on_done(_request, _userdata):
        done[0] += 1

    queue.set_callback(on_done)
    for _ in range(len(queue) * 2):
        queue.start_async({0: data})
    queue.wait_all()
    done[0] = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        queue.start_async({0: data})
    queue.wait_all()
    elapsed = time.perf_counter() - start
    print(json.dumps({"latencyMedianMs": statistics.median(times), "throughputFps": done[0] / elapsed, "requests": len(queue)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
