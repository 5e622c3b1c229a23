"""Oracle for alignment: decodes each photo with OpenCV and warps it the Open Model Zoo way
(omz_common.align_bgr: cv2.warpAffine, INTER_LINEAR). Reads JSON {"items": [{"path", "landmarks"}]}
on stdin; writes JSON {"items": [{"width", "height", "bgr": base64 HWC u8, "crop": base64 f32 CHW}]}."""
import base64
import json
import sys

import cv2
import numpy as np

from omz_common import align_bgr


def main():
    job = json.load(sys.stdin)
    out = []
    for item in job['items']:
        image = cv2.imread(item['path'], cv2.IMREAD_COLOR)
        if image is None:
            raise SystemExit(f"cannot read {item['path']}")
        crop = align_bgr(image, np.asarray(item['landmarks'], dtype=np.float64).reshape(5, 2))
        out.append({
            'width': int(image.shape[1]),
            'height': int(image.shape[0]),
            'bgr': base64.b64encode(np.ascontiguousarray(image).tobytes()).decode(),
            'crop': base64.b64encode(np.ascontiguousarray(crop, dtype=np.float32).tobytes()).decode(),
        })
    json.dump({'items': out}, sys.stdout)


if __name__ == '__main__':
    main()
