// Bilinear resize of a rectangle of an 8-bit interleaved image into planar B, G, R
// floats, with cv2.resize INTER_LINEAR conventions. Pure C++, no N-API.
#pragma once
#include "kernels/image.hpp"

namespace kernels {

struct Rect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

// Source coordinate of destination pixel d is (d + 0.5) * roi / dst - 0.5, clamped to
// [0, roi - 1] (edge pixels of the ROI repeat, nothing outside the ROI is read).
// The caller guarantees roi lies inside img and dstWidth, dstHeight >= 1.
void ResizeToPlanes(const ImageView& img, const Rect& roi, int dstWidth, int dstHeight, const PlanesBgr& out);

}  // namespace kernels
