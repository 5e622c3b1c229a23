#include "kernels/resize.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/pixel_access.hpp"
#include "kernels/simd_avx2.hpp"
#include "kernels/yuv.hpp"

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
                                xt.w.data(), dstW, dst.b.data(), dst.g.data(), dst.r.data(),
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

// I420 --------------------------------------------------------------------------------------
// Each plane is resized on its own and the result converted once per output pixel: the mix of
// the taps' Y, U and V converts to the mix of their colours (yuv.hpp), so this equals resizing
// the decoder's BGR frame, without converting the 2 million pixels a 1080p frame has to sample
// a few hundred thousand of them. Except where a tap's colour clips at 0 or 255 (deep, saturated
// shadows and highlights): there the decoder's BGR frame holds the clipped value and this mix the
// unclipped one, a few levels apart (under 0.3 on average over LFW faces, at most about 10). The
// detector, the one user of the resize, does not see it; the warps, whose crops are the models'
// faces, convert every tap exactly (warp.cpp).

// The luma table's taps, given relative to `origin`, mapped to the chroma sample each lies in
// (absolute chroma indices, scaled by `unit`). Both taps in one sample: weight 0, as the
// SIMD blend needs (its second tap is always the next sample, or weighted 0).
AxisTable ChromaAxis(const AxisTable& luma, int origin, int unit) {
  AxisTable t;
  t.i0.resize(luma.i0.size());
  t.i1.resize(luma.i0.size());
  t.w.resize(luma.i0.size());
  for (std::size_t d = 0; d < luma.i0.size(); ++d) {
    const int c0 = (origin + luma.i0[d] / unit) >> 1, c1 = (origin + luma.i1[d] / unit) >> 1;
    t.i0[d] = c0 * unit;
    t.i1[d] = c1 == c0 ? c0 * unit : (c0 + 1) * unit;
    t.w[d] = c1 == c0 ? 0.f : luma.w[d];
  }
  return t;
}

// One plane (1 byte a sample) resized into `out` (dstW * dstH floats). xt holds byte offsets
// from a row's start, yt row numbers; rows are `stride` bytes apart from `plane`.
void ResizePlane(const ImageView& img, const std::uint8_t* plane, std::size_t stride, const AxisTable& xt,
                 const AxisTable& yt, int dstW, int dstH, float* out) {
  // Offsets are tiny (a row of at most 65535 bytes); the SIMD gathers read 4 bytes at a tap and
  // stop where that would leave the buffer.
  const bool simd = simd::Avx2Available();
  RowPlanes rowsA(dstW), rowsB(dstW);
  auto blend = [&](int r, RowPlanes& dst) {
    const std::uint8_t* row = plane + static_cast<std::size_t>(r) * stride;
    const std::size_t available = img.byteLength - static_cast<std::size_t>(row - img.data);
    int done = simd ? simd::BlendPlaneAvx2(row, available, xt.i0.data(), xt.w.data(), dstW, dst.b.data()) : 0;
    for (std::size_t i = static_cast<std::size_t>(done); i < xt.w.size(); ++i) {
      const float p = row[xt.i0[i]], q = row[xt.i1[i]];
      dst.b[i] = p + xt.w[i] * (q - p);
    }
    dst.source = r;
  };
  RowPlanes* top = &rowsA;
  RowPlanes* bottom = &rowsB;
  for (int dy = 0; dy < dstH; ++dy) {
    const std::size_t y = static_cast<std::size_t>(dy);
    const int r0 = yt.i0[y], r1 = yt.i1[y];
    if (top->source != r0) {
      if (bottom->source == r0) std::swap(top, bottom);
      else blend(r0, *top);
    }
    float* __restrict o = out + y * static_cast<std::size_t>(dstW);
    const float* t = top->b.data();
    // Both taps in one row (half of a chroma plane's output rows): nothing to mix.
    if (r1 == r0) {
      std::copy(t, t + dstW, o);
      continue;
    }
    if (bottom->source != r1) blend(r1, *bottom);
    const float w = yt.w[y];
    const float* b = bottom->b.data();
    for (int x = 0; x < dstW; ++x) o[x] = t[x] + w * (b[x] - t[x]);
  }
}

void ResizeI420(const ImageView& img, const Rect& roi, int dstW, int dstH, const PlanesBgr& out) {
  const I420Planes p = I420PlanesOf(img);
  AxisTable xt = MakeAxis(roi.width, dstW, 1);
  AxisTable yt = MakeAxis(roi.height, dstH, 1);
  const AxisTable cx = ChromaAxis(xt, roi.x, 1);
  const AxisTable cy = ChromaAxis(yt, roi.y, 1);
  for (auto& r : yt.i0) r += roi.y;
  for (auto& r : yt.i1) r += roi.y;
  // Y, U, V go where their conversion reads them: the pass below works in place per pixel.
  ResizePlane(img, p.y + roi.x, p.yStride, xt, yt, dstW, dstH, out.g);
  ResizePlane(img, p.u, p.cStride, cx, cy, dstW, dstH, out.b);
  ResizePlane(img, p.v, p.cStride, cx, cy, dstW, dstH, out.r);
  YuvPlanesToBgr(out, static_cast<std::size_t>(dstW) * static_cast<std::size_t>(dstH));
}

}  // namespace

void ResizeToPlanes(const ImageView& img, const Rect& roi, int dstWidth, int dstHeight, const PlanesBgr& out) {
  if (img.order == PixelOrder::I420) {
    ResizeI420(img, roi, dstWidth, dstHeight, out);
    return;
  }
  DispatchLayout(img.order, [&](auto layout) { Resize<decltype(layout)>(img, roi, dstWidth, dstHeight, out); });
}

}  // namespace kernels
