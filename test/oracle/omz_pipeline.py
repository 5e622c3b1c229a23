"""The Open Model Zoo face_recognition_demo pipeline in Python (OpenVINO Python API + OpenCV),
the reference for FacePipeline. Reads JSON on stdin:
  {"modelDir", "images": [paths], "confidence": 0.6, "roiScale": 1.15, "keepAspect": true,
   "precisions": {"detector", "landmarks", "reid"}, "alignment": "direct"|"demo",
   "landmarkMapping": "demo"|"crop", "resize": "uint8"|"float"}
Images are paths (cv2.imread) or {"raw": path, "width", "height"}: packed BGR uint8 pixels, so the
comparison with FacePipeline can use the very same decoded frame.
and writes, per image, the faces with box (detector box clipped to the frame, x/y/width/height),
score, landmarks (5 x [x, y] in frame pixels) and the L2-normalised embedding.

alignment "direct": the Procrustes warp straight from the frame into 128x128 (what FacePipeline
does); "demo": as the demo, crop the enlarged box, warp the crop onto itself, resize to 128."""
import json
import sys

import cv2
import numpy as np

from omz_common import REFERENCE_LANDMARKS, align_bgr, compile_model, detector_input_size, l2_normalise, procrustes

DETECTOR = 'face-detection-retail-0004'
LANDMARKS = 'landmarks-regression-retail-0009'
REID = 'face-reidentification-retail-0095'


# "uint8": cv2.resize on the uint8 frame, as the demo (fixed-point weights, result rounded to
# bytes); "float": the same INTER_LINEAR geometry on float32 pixels, nothing rounded (what
# FacePipeline's native resize computes). Set from the job in main().
RESIZE = {'mode': 'uint8'}


def to_planes(image, width, height):
    """cv2.resize (INTER_LINEAR) then HWC -> CHW float32, as the demo's resize_input."""
    if RESIZE['mode'] == 'float':
        image = image.astype(np.float32)
    return cv2.resize(image, (width, height)).transpose(2, 0, 1).astype(np.float32)


def crop_corners(frame, position, size):
    """The demo's crop corners: integer-truncated, clipped to the frame."""
    h, w = frame.shape[:2]
    p1 = np.clip(position.astype(int), [0, 0], [w, h])
    p2 = np.clip((position + size).astype(int), [0, 0], [w, h])
    return p1, p2


def crop(frame, position, size):
    """The demo's crop of the frame."""
    p1, p2 = crop_corners(frame, position, size)
    return frame[p1[1]:p2[1], p1[0]:p2[0]]


def enlarged_roi(row, w, h, roi_scale):
    """The demo's landmark ROI of one detector row: the box in pixels, enlarged about its centre,
    position and size each clipped to the frame (the demo clips them separately)."""
    position = np.array([row[3] * w, row[4] * h], dtype=np.float64)
    size = np.array([row[5] * w, row[6] * h], dtype=np.float64) - position
    position -= size * 0.5 * (roi_scale - 1.0)
    size *= roi_scale
    return np.clip(position, [0, 0], [w, h]), np.clip(size, [0, 0], [w, h])


class Detectors:
    """The face detector compiled for each input size it is asked for (the demo's -fd_iw/-fd_ih)."""

    def __init__(self, model_dir, precision, config, keep_aspect=True):
        self.args, self.keep_aspect, self.compiled = (model_dir, DETECTOR, precision, 'CPU', config), keep_aspect, {}

    def for_frame(self, frame):
        size = detector_input_size(frame.shape[1], frame.shape[0], self.keep_aspect)
        if size not in self.compiled:
            self.compiled[size] = compile_model(*self.args, image_size=size)
        return self.compiled[size], size


def detect(detectors, frame, confidence, roi_scale):
    h, w = frame.shape[:2]
    compiled, (iw, ih) = detectors.for_frame(frame)
    out = compiled(to_planes(frame, iw, ih)[None])[compiled.output(0)].reshape(-1, 7)
    faces = []
    for row in out:
        if row[0] < 0 or row[2] < confidence:
            break  # rows are sorted by confidence; image_id -1 ends the list
        x0, y0, x1, y1 = (np.clip(row[3:7], 0, 1) * [w, h, w, h]).tolist()
        position, size = enlarged_roi(row, w, h, roi_scale)
        faces.append({'score': float(row[2]), 'box': [x0, y0, x1 - x0, y1 - y0], 'position': position, 'size': size})
    return faces


def crop_bounds(frame, position, size):
    """Origin and extent of what `crop` cuts: the pixels the landmark model actually sees."""
    p1, p2 = crop_corners(frame, position, size)
    return p1.astype(np.float64), (p2 - p1).astype(np.float64)


def landmarks_for(compiled, frame, faces, mapping='demo'):
    """mapping "demo": position + size * p on the float ROI, as the demo does; "crop": the same
    on the integer crop that was resized to 48x48 (the geometrically consistent inverse)."""
    points = []
    for face in faces:
        patch = crop(frame, face['position'], face['size'])
        out = compiled(to_planes(patch, 48, 48)[None])[compiled.output(0)].reshape(-1, 2).astype(np.float64)
        if mapping == 'crop':
            origin, extent = crop_bounds(frame, face['position'], face['size'])
        else:
            origin, extent = face['position'], face['size']
        points.append(origin + extent * out)
    return points


def demo_alignment(frame, face, points):
    """The demo's own route: warp the enlarged crop onto itself, then resize to 128x128."""
    patch = np.array(crop(frame, face['position'], face['size']))
    scale = np.array((patch.shape[1], patch.shape[0]), dtype=np.float64)
    local = (points - face['position']) / face['size']
    m = procrustes(REFERENCE_LANDMARKS * scale, local * scale)
    cv2.warpAffine(patch, m, (patch.shape[1], patch.shape[0]), patch, flags=cv2.WARP_INVERSE_MAP)
    return to_planes(patch, 128, 128)


def read_frame(image):
    if isinstance(image, dict):
        data = np.fromfile(image['raw'], dtype=np.uint8)
        return data.reshape(image['height'], image['width'], 3)
    frame = cv2.imread(image, cv2.IMREAD_COLOR)
    if frame is None:
        raise SystemExit(f'cannot read {image}')
    return frame


def main():
    job = json.load(sys.stdin)
    RESIZE['mode'] = job.get('resize', 'uint8')
    precisions = {'detector': 'FP16', 'landmarks': 'FP16', 'reid': 'FP16', **job.get('precisions', {})}
    hint = {'PERFORMANCE_HINT': 'LATENCY'}
    detector = Detectors(job['modelDir'], precisions['detector'], hint, job.get('keepAspect', True))
    landmarker = compile_model(job['modelDir'], LANDMARKS, precisions['landmarks'], 'CPU', hint)
    reid = compile_model(job['modelDir'], REID, precisions['reid'], 'CPU', hint)
    results = []
    for path in job['images']:
        frame = read_frame(path)
        faces = detect(detector, frame, job.get('confidence', 0.6), job.get('roiScale', 1.15))
        points = landmarks_for(landmarker, frame, faces, job.get('landmarkMapping', 'demo'))
        out = []
        for face, pts in zip(faces, points):
            if job.get('alignment', 'direct') == 'demo':
                planes = demo_alignment(frame, face, pts)
            else:
                planes = align_bgr(frame, pts)
            emb = l2_normalise(reid(planes[None])[reid.output(0)])
            out.append({'score': face['score'], 'box': face['box'], 'landmarks': pts.tolist(),
                        'embedding': [float(v) for v in emb]})
        results.append({'image': path, 'faces': out})
    json.dump({'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
