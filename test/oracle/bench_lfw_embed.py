"""Embeddings per second, the Open Model Zoo way: reads JSON {"modelDir", "items": [{path,
landmarks}], "rounds"} on stdin, decodes every image into memory first, then per round aligns
each face with cv2.warpAffine and embeds it through an AsyncInferQueue under the THROUGHPUT hint.
Prints {"facesPerSecond": [per round]}."""
import json
import sys
import time

import cv2
import openvino as ov

from omz_common import align_bgr, compile_model

MODEL = 'face-reidentification-retail-0095'


def main():
    job = json.load(sys.stdin)
    compiled = compile_model(job['modelDir'], MODEL, 'FP16', 'CPU', {'PERFORMANCE_HINT': 'THROUGHPUT'})
    frames = [(cv2.imread(i['path'], cv2.IMREAD_COLOR), i['landmarks']) for i in job['items']]
    queue = ov.AsyncInferQueue(compiled, compiled.get_property('OPTIMAL_NUMBER_OF_INFER_REQUESTS'))
    rates = []
    for _ in range(job.get('rounds', 3)):
        start = time.perf_counter()
        for frame, landmarks in frames:
            queue.start_async({0: align_bgr(frame, landmarks)[None]})
        queue.wait_all()
        rates.append(len(frames) / (time.perf_counter() - start))
    json.dump({'facesPerSecond': rates, 'requests': len(queue)}, sys.stdout)


if __name__ == '__main__':
    main()
