// YUV (BT.601, limited range: Y 16..235, U and V 16..240) to B, G, R floats, the conversion
// ffmpeg's and OpenCV's decoders apply to untagged H.264 video when asked for BGR. It is
// affine, so a bilinear mix of Y, U and V converts to the same mix of the taps' colours
// (except where a tap's colour clips at 0 or 255, which the clamp below approximates).
#pragma once
#include <algorithm>
#include <cstddef>

#include "kernels/image.hpp"

namespace kernels {

// min/max rather than std::clamp: the form the compiler vectorises in YuvPlanesToBgr.
inline void YuvToBgr(float y, float u, float v, float& b, float& g, float& r) {
  // 255/219 for luma, 255/224 * (1.772, 0.344136, 0.714136, 1.402) for chroma.
  const float l = 1.16438356f * (y - 16.f);
  const float cu = u - 128.f, cv = v - 128.f;
  b = std::min(std::max(l + 2.01723214f * cu, 0.f), 255.f);
  g = std::min(std::max(l - 0.39176229f * cu - 0.81296765f * cv, 0.f), 255.f);
  r = std::min(std::max(l + 1.59602679f * cv, 0.f), 255.f);
}

// In place over n pixels: U in planes.b, Y in planes.g, V in planes.r become B, G, R (distinct
// restrict pointers, so that the loop vectorises).
inline void YuvPlanesToBgr(const PlanesBgr& planes, std::size_t n) {
  float* __restrict pb = planes.b;
  float* __restrict pg = planes.g;
  float* __restrict pr = planes.r;
  for (std::size_t i = 0; i < n; ++i) {
    float b, g, r;
    YuvToBgr(pg[i], pb[i], pr[i], b, g, r);
    pb[i] = b;
    pg[i] = g;
    pr[i] = r;
  }
}

}  // namespace kernels
