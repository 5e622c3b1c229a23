"""Reference implementations for test/align.test.js (numpy + OpenCV, float64 where it matters).

Protocol: argv[1] is the command; stdin holds one JSON header line followed by a binary blob;
stdout is raw little-endian output (float64 matrices or float32 B, G, R planes).

  similarity  header {"count": n, "scale": "rms"|"least-squares"}; blob n x (src 10 + dst 10) float64
              -> n x 6 float64, the 2x3 matrix mapping src onto dst.
  warp        header {"mode": "bilinear"|"cv2", "items": [image..., "matrix": [6], "size": S, "k": 1]}
              -> per item 3*S*S float32 (B, G, R planes). "k" > 1 supersamples k x k (bilinear mode).
  resize      header {"items": [image..., "roi": [x, y, w, h], "dst": [W, H]]} -> per item 3*W*H float32.

An image is {"offset", "width", "height", "channels", "order", "stride"} into the blob.
"""
import json
import sys

import cv2
import numpy as np

BGR_INDEX = {"rgb": [2, 1, 0], "rgba": [2, 1, 0], "bgr": [0, 1, 2], "bgra": [0, 1, 2], "gray": [0, 0, 0]}


def procrustes(src, dst, scale_rule):
    """The Open Model Zoo demo's fit (centre, divide by std, SVD for the rotation), with
    reflections excluded and an optional least-squares scale."""
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - src_mean, dst - dst_mean
    s_std, d_std = s.std(), d.std()
    s, d = s / s_std, d / d_std
    u, sv, vt = np.linalg.svd(s.T @ d)
    fix = np.sign(np.linalg.det(vt.T @ u.T)) or 1.0
    rot = vt.T @ np.diag([1.0, fix]) @ u.T
    scale = d_std / s_std
    if scale_rule == "least-squares":
        scale *= (sv[0] + fix * sv[1]) / np.sum(s * s)
    m = np.empty((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = dst_mean - m[:, :2] @ src_mean
    return m


def image_of(blob, item):
    """H x W x C uint8 view (channels in the image's own order), honouring the stride."""
    w, h, c, stride = item["width"], item["height"], item["channels"], item["stride"]
    need = (h - 1) * stride + w * c
    raw = np.frombuffer(blob, np.uint8, count=need, offset=item["offset"])
    rows = np.lib.stride_tricks.as_strided(raw, shape=(h, w * c), strides=(stride, 1))
    return np.ascontiguousarray(rows).reshape(h, w, c)


def bgr_float(img, order):
    return img[:, :, BGR_INDEX[order]].astype(np.float64)


def bilinear(img, m, size, k):
    """Float64 bilinear warp: crop pixel (x, y) samples the image at m @ (x, y, 1); taps
    outside the image are 0; k > 1 averages k x k evenly spread sub-samples."""
    h, w = img.shape[:2]
    padded = np.zeros((h + 2, w + 2, 3))
    padded[1:-1, 1:-1] = img
    acc = np.zeros((size, size, 3))
    for j in range(k):
        for i in range(k):
            ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
            xs += (i + 0.5) / k - 0.5
            ys += (j + 0.5) / k - 0.5
            sx = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
            sy = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
            x0, y0 = np.floor(sx), np.floor(sy)
            fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
            # Shift by the 1-pixel zero pad; clip far-away taps onto the pad (which is 0).
            xi = np.clip(x0 + 1, 0, w + 1).astype(np.int64)
            yi = np.clip(y0 + 1, 0, h + 1).astype(np.int64)
            xj = np.clip(x0 + 2, 0, w + 1).astype(np.int64)
            yj = np.clip(y0 + 2, 0, h + 1).astype(np.int64)
            far = ((sx <= -1) | (sx >= w) | (sy <= -1) | (sy >= h))[..., None]
            v = (padded[yi, xi] * (1 - fx) * (1 - fy) + padded[yi, xj] * fx * (1 - fy)
                 + padded[yj, xi] * (1 - fx) * fy + padded[yj, xj] * fx * fy)
            acc += np.where(far, 0.0, v)
    return acc / (k * k)


def planes(hwc):
    return np.ascontiguousarray(hwc.transpose(2, 0, 1)).astype(np.float32)


def run_warp(header, blob, out):
    for item in header["items"]:
        img = image_of(blob, item)
        m = np.array(item["matrix"], np.float64).reshape(2, 3)
        size = item["size"]
        if header["mode"] == "bilinear":
            res = bilinear(bgr_float(img, item["order"]), m, size, item.get("k", 1))
        else:
            src = img[:, :, BGR_INDEX[item["order"]]] if item["channels"] > 1 else img[:, :, 0]
            warped = cv2.warpAffine(np.ascontiguousarray(src), m, (size, size),
                                    flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            res = warped if warped.ndim == 3 else np.repeat(warped[:, :, None], 3, axis=2)
        out.write(planes(res).tobytes())


def run_resize(header, blob, out):
    for item in header["items"]:
        img = image_of(blob, item)
        x, y, w, h = item["roi"]
        src = img[y:y + h, x:x + w][:, :, BGR_INDEX[item["order"]]]
        res = cv2.resize(np.ascontiguousarray(src), tuple(item["dst"]), interpolation=cv2.INTER_LINEAR)
        out.write(planes(res.reshape(item["dst"][1], item["dst"][0], 3)).tobytes())


def main():
    command = sys.argv[1]
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline())
    blob = stdin.read()
    out = sys.stdout.buffer
    if command == "similarity":
        data = np.frombuffer(blob, np.float64).reshape(header["count"], 2, 5, 2)
        res = np.array([procrustes(p[0], p[1], header.get("scale", "rms")) for p in data])
        out.write(res.astype(np.float64).tobytes())
    elif command == "warp":
        run_warp(header, blob, out)
    elif command == "resize":
        run_resize(header, blob, out)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
