"""Embeds faces the Open Model Zoo way: reads JSON
{"modelDir", "precision", "items": [{"path", "landmarks": [10 numbers]}]} on stdin,
writes {"embeddings": [[256 floats] ...]} on stdout."""
import json
import sys

import cv2

from omz_common import align_bgr, compile_model, l2_normalise

MODEL = 'face-reidentification-retail-0095'


def main():
    job = json.load(sys.stdin)
    compiled = compile_model(job['modelDir'], MODEL, job.get('precision', 'FP16'),
                             job.get('device', 'CPU'), {'PERFORMANCE_HINT': 'LATENCY'})
    out = []
    for item in job['items']:
        image = cv2.imread(item['path'], cv2.IMREAD_COLOR)
        if image is None:
            raise SystemExit(f"cannot read {item['path']}")
        planes = align_bgr(image, item['landmarks'])
        result = compiled(planes[None])[compiled.output(0)]
        out.append([float(x) for x in l2_normalise(result)])
    json.dump({'embeddings': out}, sys.stdout)


if __name__ == '__main__':
    main()
