#include "kernels/resize.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

#include "kernels/pixel_access.hpp"

namespace kernels {

namespace {

// One destination coordinate: the two source indices it blends and the weight of the second.
struct Tap {
  int i0;
  int i1;
  float w;
};

// cv2.resize INTER_LINEAR: half-pixel centres, then clamp to the edge (replicate).
std::vector<Tap> AxisTaps(int srcLen, int dstLen) {
  std::vector<Tap> taps(static_cast<std::size_t>(dstLen));
  const double scale = static_cast<double>(srcLen) / dstLen;
  for (int d = 0; d < dstLen; ++d) {
    const double s = (d + 0.5) * scale - 0.5;
    int i0 = static_cast<int>(std::floor(s));
    float w = static_cast<float>(s - i0);
    if (i0 < 0) {
      i0 = 0;
      w = 0.f;
    }
    if (i0 >= srcLen - 1) {
      i0 = srcLen - 1;
      w = 0.f;
    }
    taps[static_cast<std::size_t>(d)] = {i0, i0 + 1 < srcLen ? i0 + 1 : i0, w};
  }
  return taps;
}

// Horizontal pass over one source row: dstWidth pixels of B, G, R (interleaved floats).
template <typename L>
void BlendRow(const std::uint8_t* row, const std::vector<Tap>& xt, float* dst) {
  constexpr int C = L::channels;
  for (std::size_t i = 0; i < xt.size(); ++i) {
    const std::uint8_t* p = row + static_cast<std::size_t>(xt[i].i0) * C;
    const std::uint8_t* q = row + static_cast<std::size_t>(xt[i].i1) * C;
    const float w = xt[i].w;
    dst[3 * i + 0] = p[L::b] + w * (q[L::b] - p[L::b]);
    dst[3 * i + 1] = p[L::g] + w * (q[L::g] - p[L::g]);
    dst[3 * i + 2] = p[L::r] + w * (q[L::r] - p[L::r]);
  }
}

template <typename L>
void Resize(const ImageView& img, const Rect& roi, int dstW, int dstH, const PlanesBgr& out) {
  const std::vector<Tap> xt = AxisTaps(roi.width, dstW);
  const std::vector<Tap> yt = AxisTaps(roi.height, dstH);
  // ROI column offset folded into the row pointer once.
  const std::uint8_t* origin = img.data + static_cast<std::size_t>(roi.x) * L::channels;
  auto rowPtr = [&](int r) { return origin + static_cast<std::size_t>(roi.y + r) * img.stride; };

  // Two horizontally blended rows, reused while consecutive output rows share sources.
  std::vector<float> bufA(static_cast<std::size_t>(dstW) * 3), bufB(bufA.size());
  float* top = bufA.data();
  float* bottom = bufB.data();
  int topRow = -1, bottomRow = -1;
  for (int dy = 0; dy < dstH; ++dy) {
    const Tap& t = yt[static_cast<std::size_t>(dy)];
    if (t.i0 != topRow) {
      if (t.i0 == bottomRow) {
        std::swap(top, bottom);
        std::swap(topRow, bottomRow);
      } else {
        BlendRow<L>(rowPtr(t.i0), xt, top);
        topRow = t.i0;
      }
    }
    if (t.i1 != bottomRow) {
      BlendRow<L>(rowPtr(t.i1), xt, bottom);
      bottomRow = t.i1;
    }
    const std::size_t base = static_cast<std::size_t>(dy) * dstW;
    const float w = t.w;
    for (int x = 0; x < dstW; ++x) {
      const float* a = top + 3 * x;
      const float* b = bottom + 3 * x;
      out.b[base + x] = a[0] + w * (b[0] - a[0]);
      out.g[base + x] = a[1] + w * (b[1] - a[1]);
      out.r[base + x] = a[2] + w * (b[2] - a[2]);
    }
  }
}

}  // namespace

void ResizeToPlanes(const ImageView& img, const Rect& roi, int dstWidth, int dstHeight, const PlanesBgr& out) {
  DispatchLayout(img.order, [&](auto layout) { Resize<decltype(layout)>(img, roi, dstWidth, dstHeight, out); });
}

}  // namespace kernels
