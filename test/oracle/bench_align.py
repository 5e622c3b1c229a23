"""OpenCV baseline for bench/align.js: microseconds (median) to turn a 1920x1080 RGB frame into
(a) one 128x128 aligned face as B, G, R float32 planes (warpAffine + split), and
(b) a 300x300 resize as B, G, R float32 planes.
stdin: JSON line {"width", "height", "matrix": [6], "rounds"} then the raw RGB frame. stdout: JSON."""
import json
import sys
import time

import cv2
import numpy as np


def median_us(fn, rounds):
    fn()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e6)


def main():
    header = json.loads(sys.stdin.buffer.readline())
    w, h = header["width"], header["height"]
    rgb = np.frombuffer(sys.stdin.buffer.read(), np.uint8).reshape(h, w, 3)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])  # OpenCV's native order; the conversion is not timed
    m = np.array(header["matrix"], np.float64).reshape(2, 3)

    def align():
        crop = cv2.warpAffine(bgr, m, (128, 128), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return np.stack(cv2.split(crop)).astype(np.float32)

    def resize():
        small = cv2.resize(bgr, (300, 300), interpolation=cv2.INTER_LINEAR)
        return np.stack(cv2.split(small)).astype(np.float32)

    rounds = header["rounds"]
    print(json.dumps({"threads": cv2.getNumThreads(), "align_us": median_us(align, rounds),
                      "resize_us": median_us(resize, rounds // 4)}))


if __name__ == "__main__":
    main()
