#include "kernels/warp.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/pixel_access.hpp"
#include "kernels/simd_avx2.hpp"
#include "kernels/warp_span.hpp"
#include "kernels/yuv.hpp"

namespace kernels {

namespace {

inline float Lerp(float a, float b, float t) { return a + t * (b - a); }

// I420: the colour of luma pixel (x, y), which the caller knows is inside the image (its
// chroma sample covers 2x2 pixels).
inline void TapI420Inside(const I420Planes& p, int x, int y, float px[3]) {
  const std::size_t c = static_cast<std::size_t>(y >> 1) * p.cStride + static_cast<std::size_t>(x >> 1);
  YuvToBgr(p.y[static_cast<std::size_t>(y) * p.yStride + static_cast<std::size_t>(x)], p.u[c], p.v[c], px[0], px[1],
           px[2]);
}

// Bilinear mix of four converted taps (each tap converted on its own, as in a BGR frame decoded
// first: mixing Y, U, V and converting once would differ where a tap's colour clips).
inline void MixTaps(const float a[3], const float b[3], const float c[3], const float d[3], float fx, float fy,
                    float px[3]) {
  for (int k = 0; k < 3; ++k) px[k] = Lerp(Lerp(a[k], b[k], fx), Lerp(c[k], d[k], fx), fy);
}

// Bilinear sample at (vx, vy) where any of the four taps may be outside the image:
// each outside tap reads as 0 (OpenCV BORDER_CONSTANT 0). Used near the image edges
// and by the anti-aliased mode; the interior loop below skips all of these checks.
template <typename L>
inline void SampleGuarded(const ImageView& img, double vx, double vy, float px[3]) {
  px[0] = px[1] = px[2] = 0.f;
  // Checked in double before any int conversion, so huge or NaN coordinates are safe.
  if (!(vx > -1.0 && vx < img.width && vy > -1.0 && vy < img.height)) return;
  const double flx = std::floor(vx), fly = std::floor(vy);
  const int x0 = static_cast<int>(flx), y0 = static_cast<int>(fly);
  const float fx = static_cast<float>(vx - flx), fy = static_cast<float>(vy - fly);
  const bool inX0 = x0 >= 0, inX1 = x0 + 1 < img.width;
  const bool inY0 = y0 >= 0, inY1 = y0 + 1 < img.height;
  const std::uint8_t* row0 = inY0 ? img.data + static_cast<std::size_t>(y0) * img.stride : nullptr;
  const std::uint8_t* row1 = inY1 ? img.data + static_cast<std::size_t>(y0 + 1) * img.stride : nullptr;
  const int offs[3] = {L::b, L::g, L::r};
  for (int k = 0; k < (L::channels == 1 ? 1 : 3); ++k) {
    const int o = offs[k];
    const float a = (row0 && inX0) ? row0[x0 * L::channels + o] : 0.f;
    const float b = (row0 && inX1) ? row0[(x0 + 1) * L::channels + o] : 0.f;
    const float c = (row1 && inX0) ? row1[x0 * L::channels + o] : 0.f;
    const float d = (row1 && inX1) ? row1[(x0 + 1) * L::channels + o] : 0.f;
    px[k] = Lerp(Lerp(a, b, fx), Lerp(c, d, fx), fy);
  }
  if (L::channels == 1) px[1] = px[2] = px[0];
}

// I420 near the edges: taps outside read as black (BGR 0, as for the interleaved orders), not
// as YUV 0, so each tap is converted before mixing.
template <>
inline void SampleGuarded<I420Tag>(const ImageView& img, double vx, double vy, float px[3]) {
  px[0] = px[1] = px[2] = 0.f;
  if (!(vx > -1.0 && vx < img.width && vy > -1.0 && vy < img.height)) return;
  const double flx = std::floor(vx), fly = std::floor(vy);
  const int x0 = static_cast<int>(flx), y0 = static_cast<int>(fly);
  const I420Planes p = I420PlanesOf(img);
  float t[4][3] = {};
  for (int k = 0; k < 4; ++k) {
    const int x = x0 + (k & 1), y = y0 + (k >> 1);
    if (x >= 0 && y >= 0 && x < img.width && y < img.height) TapI420Inside(p, x, y, t[k]);
  }
  MixTaps(t[0], t[1], t[2], t[3], static_cast<float>(vx - flx), static_cast<float>(vy - fly), px);
}

template <typename L>
inline void Store(const PlanesBgr& out, std::size_t i, const float px[3]) {
  out.b[i] = px[0];
  out.g[i] = px[1];
  out.r[i] = px[2];
}

// Interior pixels [lo, hi) of one crop row: all four taps are inside, so no checks.
template <typename L>
inline void InteriorRun(const ImageView& img, double bx, double by, double ax, double ay, int lo, int hi,
                        float* __restrict ob, float* __restrict og, float* __restrict orr) {
  const std::uint8_t* __restrict data = img.data;
  const std::size_t stride = img.stride;
  // The span was verified with the same expressions; the min() only keeps memory
  // safe if a compiler ever evaluated them differently (costs one op per axis).
  const int maxX0 = img.width - 2, maxY0 = img.height - 2;
  if constexpr (std::is_same_v<L, I420Tag>) {
    // All four taps inside: no checks, each tap converted as SampleGuarded does.
    const I420Planes p = I420PlanesOf(img);
    for (int x = lo; x < hi; ++x) {
      const double vx = SpanCoord(bx, ax, x), vy = SpanCoord(by, ay, x);
      const int x0 = std::min(static_cast<int>(vx), maxX0);
      const int y0 = std::min(static_cast<int>(vy), maxY0);
      float t[4][3], px[3];
      TapI420Inside(p, x0, y0, t[0]);
      TapI420Inside(p, x0 + 1, y0, t[1]);
      TapI420Inside(p, x0, y0 + 1, t[2]);
      TapI420Inside(p, x0 + 1, y0 + 1, t[3]);
      MixTaps(t[0], t[1], t[2], t[3], static_cast<float>(vx - x0), static_cast<float>(vy - y0), px);
      ob[x] = px[0];
      og[x] = px[1];
      orr[x] = px[2];
    }
    return;
  }
  for (int x = lo; x < hi; ++x) {
    const double vx = SpanCoord(bx, ax, x), vy = SpanCoord(by, ay, x);
    const int x0 = std::min(static_cast<int>(vx), maxX0);
    const int y0 = std::min(static_cast<int>(vy), maxY0);
    const float fx = static_cast<float>(vx - x0), fy = static_cast<float>(vy - y0);
    const std::uint8_t* p = data + static_cast<std::size_t>(y0) * stride + static_cast<std::size_t>(x0) * L::channels;
    const std::uint8_t* q = p + stride;
    constexpr int C = L::channels;
    if constexpr (C == 1) {
      const float v = Lerp(Lerp(p[0], p[1], fx), Lerp(q[0], q[1], fx), fy);
      ob[x] = v;
      og[x] = v;
      orr[x] = v;
    } else {
      ob[x] = Lerp(Lerp(p[L::b], p[C + L::b], fx), Lerp(q[L::b], q[C + L::b], fx), fy);
      og[x] = Lerp(Lerp(p[L::g], p[C + L::g], fx), Lerp(q[L::g], q[C + L::g], fx), fy);
      orr[x] = Lerp(Lerp(p[L::r], p[C + L::r], fx), Lerp(q[L::r], q[C + L::r], fx), fy);
    }
  }
}

// True when every crop pixel's taps are inside the image, one row short of the bottom
// (what the SIMD loads need): the map is affine and that region convex, so checking
// the four crop corners suffices. The half-pixel margin dwarfs any rounding difference
// between this and the per-pixel expression; NaN/inf fail the comparisons.
inline bool WholeCropInterior(const double m[6], int size, int width, int height) {
  const double e = size - 1.0;
  const double xs[4] = {m[2], m[0] * e + m[2], m[1] * e + m[2], m[0] * e + m[1] * e + m[2]};
  const double ys[4] = {m[5], m[3] * e + m[5], m[4] * e + m[5], m[3] * e + m[4] * e + m[5]};
  for (int i = 0; i < 4; ++i) {
    if (!(xs[i] >= 0.5 && xs[i] < width - 1.5 && ys[i] >= 0.5 && ys[i] < height - 2.5)) return false;
  }
  return true;
}

template <typename L>
void WarpBilinear(const ImageView& img, const double m[6], int size, const PlanesBgr& out) {
  // The SIMD loop addresses bytes with int32 offsets: only when the whole image fits.
  const bool useSimd = !std::is_same_v<L, I420Tag> && simd::Avx2Available() &&
                       static_cast<std::uint64_t>(img.height) * img.stride + 8 < (std::uint64_t{1} << 31);
  // The usual face lies well inside the frame: then the per-row span solving (a few
  // divisions and re-checks per row, ~10% of a 128x128 crop) is skipped.
  const bool whole = WholeCropInterior(m, size, img.width, img.height);
  for (int y = 0; y < size; ++y) {
    // Row start in image coordinates; x then advances by (m[0], m[3]) per pixel.
    const double bx = m[1] * y + m[2], by = m[4] * y + m[5];
    const Span span = whole ? Span{0, size} : InteriorSpan(bx, m[0], by, m[3], img.width, img.height, size);
    const std::size_t row = static_cast<std::size_t>(y) * size;
    float px[3];
    for (int x = 0; x < span.lo; ++x) {
      SampleGuarded<L>(img, SpanCoord(bx, m[0], x), SpanCoord(by, m[3], x), px);
      Store<L>(out, row + x, px);
    }
    float* ob = out.b + row;
    float* og = out.g + row;
    float* orr = out.r + row;
    if (useSimd) {
      // The SIMD loads of 1- and 3-channel pixels (4-byte gathers, 8-byte loads) read
      // past the pixel, so the SIMD run stops one image row early; the scalar loop
      // takes those few pixels. A whole-interior crop keeps clear of that row already.
      Span simd = span;
      if (L::channels != 4 && !whole) {
        const Span safeY = AxisSpan(by, m[3], img.height - 2.0, size);
        simd = {std::max(span.lo, safeY.lo), std::min(span.hi, safeY.hi)};
        if (simd.hi <= simd.lo) simd = {span.hi, span.hi};  // empty: all scalar
      }
      InteriorRun<L>(img, bx, by, m[0], m[3], span.lo, simd.lo, ob, og, orr);
      const int done = simd::WarpInteriorAvx2(img, bx, by, m[0], m[3], simd.lo, simd.hi, ob, og, orr);
      InteriorRun<L>(img, bx, by, m[0], m[3], simd.lo + done, span.hi, ob, og, orr);
    } else {
      InteriorRun<L>(img, bx, by, m[0], m[3], span.lo, span.hi, ob, og, orr);
    }
    for (int x = span.hi; x < size; ++x) {
      SampleGuarded<L>(img, SpanCoord(bx, m[0], x), SpanCoord(by, m[3], x), px);
      Store<L>(out, row + x, px);
    }
  }
}

// Box-filtered warp: k x k bilinear taps spread evenly over each crop pixel's footprint.
template <typename L>
void WarpSupersampled(const ImageView& img, const double m[6], int size, int k, const PlanesBgr& out) {
  const float norm = 1.f / static_cast<float>(k * k);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      float acc[3] = {0, 0, 0};
      for (int j = 0; j < k; ++j) {
        const double v = y + (j + 0.5) / k - 0.5;
        for (int i = 0; i < k; ++i) {
          const double u = x + (i + 0.5) / k - 0.5;
          float px[3];
          SampleGuarded<L>(img, m[0] * u + m[1] * v + m[2], m[3] * u + m[4] * v + m[5], px);
          acc[0] += px[0];
          acc[1] += px[1];
          acc[2] += px[2];
        }
      }
      const float px[3] = {acc[0] * norm, acc[1] * norm, acc[2] * norm};
      Store<L>(out, static_cast<std::size_t>(y) * size + x, px);
    }
  }
}

// Image pixels covered by one crop pixel along each axis (sqrt of the area ratio).
int SupersampleFactor(const double m[6]) {
  const double scale = std::sqrt(std::fabs(m[0] * m[4] - m[1] * m[3]));
  if (!(scale > 1.0)) return 1;
  return static_cast<int>(std::min(8.0, std::ceil(scale - 1e-9)));
}

}  // namespace

void WarpAffineToPlanes(const ImageView& img, const double m[6], int size, const PlanesBgr& out,
                        const WarpOptions& options) {
  const int k = options.antialias ? SupersampleFactor(m) : 1;
  if (img.order == PixelOrder::I420) {
    if (k > 1) WarpSupersampled<I420Tag>(img, m, size, k, out);
    else WarpBilinear<I420Tag>(img, m, size, out);
    return;
  }
  DispatchLayout(img.order, [&](auto layout) {
    using L = decltype(layout);
    if (k > 1) {
      WarpSupersampled<L>(img, m, size, k, out);
    } else {
      WarpBilinear<L>(img, m, size, out);
    }
  });
}

}  // namespace kernels
