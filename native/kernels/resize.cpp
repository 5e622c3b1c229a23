#include "kernels/resize.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/pixel_access.hpp"
#include "kernels/simd_avx2.hpp"

namespace kernels {

namespace {

// Per-axis sampling table: for each destination index, the byte offsets (x axis) or
// row numbers (y axis) of the two source samples and the weight of the second.
struct AxisTable {
  std::vector<std::int32_t> i0, i1;
  std::vector<float> w;
};

// cv2.resize INTER_LINEAR: half-pixel centres, then clamp to the edge (replicate).
AxisTable MakeAxis(int srcLen, int dstLen, int unit) {
  AxisTable t;
  t.i0.resize(static_cast<std::size_t>(dstLen));
  t.i1.resize(t.i0.size());
  t.w.resize(t.i0.size());
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
    const int i1 = i0 + 1 < srcLen ? i0 + 1 : i0;
    t.i0[static_cast<std::size_t>(d)] = i0 * unit;
    t.i1[static_cast<std::size_t>(d)] = i1 * unit;
    t.w[static_cast<std::size_t>(d)] = w;
  }
  return t;
}

// One source row blended horizontally, kept as three planes so the vertical pass is
// a plain (auto-vectorised) loop.
struct RowPlanes {
  std::vector<float> b, g, r;
  int source = -1;
  explicit RowPlanes(int n) : b(static_cast<std::size_t>(n)), g(b.size()), r(b.size()) {}
};

template <typename L>
void BlendRowScalar(const std::uint8_t* row, const AxisTable& xt, int from, RowPlanes& dst) {
  for (std::size_t i = static_cast<std::size_t>(from); i < xt.w.size(); ++i) {
    const std::uint8_t* p = row + xt.i0[i];
    const std::uint8_t* q = row + xt.i1[i];
    const float w = xt.w[i];
    dst.b[i] = p[L::b] + w * (q[L::b] - p[L::b]);
    dst.g[i] = p[L::g] + w * (q[L::g] - p[L::g]);
    dst.r[i] = p[L::r] + w * (q[L::r] - p[L::r]);
  }
}

template <typename L>
void Resize(const ImageView& img, const Rect& roi, int dstW, int dstH, const PlanesBgr& out) {
  const AxisTable xt = MakeAxis(roi.width, dstW, L::channels);
  const AxisTable yt = MakeAxis(roi.height, dstH, 1);
  const std::size_t originOffset = static_cast<std::size_t>(roi.x) * L::channels;
  // The SIMD blend reads up to 8 bytes at a tap and stops before reads that would leave the
  // buffer (the final pixels of the image); offsets must fit in int32.
  const bool simd = simd::Avx2Available() && static_cast<std::uint64_t>(roi.width) * L::channels + 8 < (1u << 31);

  auto rowStart = [&](int r) { return img.data + static_cast<std::size_t>(roi.y + r) * img.stride + originOffset; };
  // `ahead`: the source row the next output row blends in the same slot, or -1.
  auto blend = [&](int r, RowPlanes& dst, int ahead) {
    const std::uint8_t* row = rowStart(r);
    int done = 0;
    if (simd) {
      done = simd::BlendRowAvx2(img.order, row, img.byteLength - static_cast<std::size_t>(row - img.data), xt.i0.data(),
                                xt.i1.data(), xt.w.data(), dstW, dst.b.data(), dst.g.data(), dst.r.data(),
                                ahead < 0 || ahead == r ? nullptr : rowStart(ahead));
    }
    BlendRowScalar<L>(row, xt, done, dst);
    dst.source = r;
  };

  RowPlanes rowsA(dstW), rowsB(dstW);
  RowPlanes* top = &rowsA;
  RowPlanes* bottom = &rowsB;
  for (int dy = 0; dy < dstH; ++dy) {
    const std::size_t y = static_cast<std::size_t>(dy);
    const int r0 = yt.i0[y], r1 = yt.i1[y];
    const bool last = dy + 1 == dstH;
    // Consecutive output rows often share source rows (up-scaling): reuse them.
    if (top->source != r0) {
      if (bottom->source == r0) std::swap(top, bottom);
      else blend(r0, *top, last ? -1 : yt.i0[y + 1]);
    }
    if (bottom->source != r1) blend(r1, *bottom, last ? -1 : yt.i1[y + 1]);
    const float w = yt.w[y];
    const std::size_t base = y * static_cast<std::size_t>(dstW);
    float* __restrict ob = out.b + base;
    float* __restrict og = out.g + base;
    float* __restrict orr = out.r + base;
    const float* tb = top->b.data();
    const float* tg = top->g.data();
    const float* tr = top->r.data();
    const float* bb = bottom->b.data();
    const float* bg = bottom->g.data();
    const float* br = bottom->r.data();
    for (int x = 0; x < dstW; ++x) ob[x] = tb[x] + w * (bb[x] - tb[x]);
    for (int x = 0; x < dstW; ++x) og[x] = tg[x] + w * (bg[x] - tg[x]);
    for (int x = 0; x < dstW; ++x) orr[x] = tr[x] + w * (br[x] - tr[x]);
  }
}

}  // namespace

void ResizeToPlanes(const ImageView& img, const Rect& roi, int dstWidth, int dstHeight, const PlanesBgr& out) {
  DispatchLayout(img.order, [&](auto layout) { Resize<decltype(layout)>(img, roi, dstWidth, dstHeight, out); });
}

}  // namespace kernels
