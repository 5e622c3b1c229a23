"""The Open Model Zoo way of aligning and embedding faces, written from the
face_recognition_demo's published logic: the independent reference our Node
path is compared with. Nothing here imports ov-face-reid."""
import numpy as np
import cv2
import openvino as ov

REFERENCE_LANDMARKS = np.array([
    (0.31556875, 0.46157411),
    (0.68262292, 0.46157411),
    (0.50026250, 0.64050536),
    (0.34947188, 0.82469196),
    (0.65343646, 0.82469196),
], dtype=np.float64)


def procrustes(src, dst):
    """2x3 similarity mapping src points onto dst: centre, divide by the std, SVD."""
    src = np.array(src, dtype=np.float64).reshape(-1, 2)
    dst = np.array(dst, dtype=np.float64).reshape(-1, 2)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    src_std, dst_std = src_c.std(), dst_c.std()
    u, _, vt = np.linalg.svd((src_c / src_std).T @ (dst_c / dst_std))
    r = (u @ vt).T
    m = np.empty((2, 3))
    m[:, :2] = r * (dst_std / src_std)
    m[:, 2] = dst_mean - m[:, :2] @ src_mean
    return m


def align_bgr(image_bgr, landmarks, size=128):
    """cv2.warpAffine of the crop->image similarity into size x size, as NCHW float32 planes."""
    m = procrustes(REFERENCE_LANDMARKS * size, landmarks)
    crop = cv2.warpAffine(image_bgr, m, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return crop.transpose(2, 0, 1).astype(np.float32)


def compile_model(model_dir, model, precision, device='CPU', config=None, batch=None, image_size=None):
    """image_size (width, height): the NCHW input reshaped to it, as the Open Model Zoo demo's
    -fd_iw/-fd_ih options reshape its face detector."""
    core = ov.Core()
    m = core.read_model(f'{model_dir}/{model}/{precision}/{model}.xml')
    if batch or image_size:
        shape = m.input(0).get_partial_shape()
        if batch:
            shape[0] = batch
        if image_size:
            shape[2], shape[3] = image_size[1], image_size[0]
        m.reshape({m.input(0).get_any_name(): shape})
    return core.compile_model(m, device, config or {})


def detector_input_size(width, height, keep_aspect=True):
    """The detector input FacePipeline uses (docs/config.md, detector.keepAspect): 300x300, or the
    short side 300 and the long side 300 times the aspect ratio rounded to a multiple of 32, kept
    within [300, 608]."""
    if not keep_aspect:
        return 300, 300
    long_side = int(round(300.0 * max(width, height) / min(width, height) / 32.0)) * 32
    long_side = min(608, max(300, long_side))
    return (long_side, 300) if width >= height else (300, long_side)


def l2_normalise(v):
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    return (v / np.linalg.norm(v)).astype(np.float32)
