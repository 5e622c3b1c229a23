// Affine warp of an 8-bit interleaved image into planar B, G, R floats (0..255).
// Pure C++, no N-API.
#pragma once
#include "kernels/image.hpp"

namespace kernels {

struct WarpOptions {
  // Average k x k bilinear taps per output pixel, k = ceil(image pixels per crop pixel)
  // capped at 8, so that strong down-scaling does not alias. Off: plain bilinear,
  // the OpenCV-parity reference (warpAffine INTER_LINEAR, BORDER_CONSTANT 0).
  bool antialias = false;
};

// For every crop pixel (x, y), pixel centres at integers as in OpenCV, samples the
// image at m * (x, y, 1) (m maps crop -> image, row-major 2x3) with bilinear
// interpolation; taps outside the image count as 0. Writes size*size floats to each
// plane of `out`. The caller guarantees img is valid for its stated geometry.
void WarpAffineToPlanes(const ImageView& img, const double m[6], int size, const PlanesBgr& out,
                        const WarpOptions& options = {});

}  // namespace kernels
