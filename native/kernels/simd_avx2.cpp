#include "kernels/simd_avx2.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FACE_REID_HAVE_AVX2 1
#include <immintrin.h>
#endif

namespace kernels::simd {

#ifdef FACE_REID_HAVE_AVX2

bool Avx2Available() {
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
}

namespace {

#define AVX2_FN __attribute__((target("avx2,fma"))) inline

// Byte `offset` of each 32-bit lane as float (channel extraction from gathered pixels).
template <int Offset>
AVX2_FN __m256 Channel(__m256i px) {
  const __m256i v = Offset == 0 ? px : _mm256_srli_epi32(px, 8 * Offset);
  return _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0xff)));
}

AVX2_FN __m256 Lerp(__m256 a, __m256 b, __m256 t) { return _mm256_fmadd_ps(t, _mm256_sub_ps(b, a), a); }

// Bilinear value of one channel from the four gathered taps.
template <int Offset>
AVX2_FN __m256 Bilinear(__m256i p00, __m256i p01, __m256i p10, __m256i p11, __m256 fx, __m256 fy) {
  return Lerp(Lerp(Channel<Offset>(p00), Channel<Offset>(p01), fx), Lerp(Channel<Offset>(p10), Channel<Offset>(p11), fx), fy);
}

// Integer part (truncation == floor, the coordinates are >= 0) and fraction of 4 doubles.
AVX2_FN void Split(__m256d v, __m128i& whole, __m128& frac) {
  whole = _mm256_cvttpd_epi32(v);
  frac = _mm256_cvtpd_ps(_mm256_sub_pd(v, _mm256_cvtepi32_pd(whole)));
}

template <int C, int OB, int OG, int OR>
__attribute__((target("avx2,fma"))) int WarpRun(const ImageView& img, double bx, double by, double ax, double ay,
                                                int lo, int hi, float* ob, float* og, float* orr) {
  const auto* base = reinterpret_cast<const int*>(img.data);
  const __m256i stride = _mm256_set1_epi32(static_cast<int>(img.stride));
  const __m256i maxX0 = _mm256_set1_epi32(img.width - 2), maxY0 = _mm256_set1_epi32(img.height - 2);
  const __m256d vax = _mm256_set1_pd(ax), vay = _mm256_set1_pd(ay);
  const __m256d vbx = _mm256_set1_pd(bx), vby = _mm256_set1_pd(by);
  const __m256d step4 = _mm256_set_pd(3, 2, 1, 0);
  int x = lo;
  for (; x + 8 <= hi; x += 8) {
    // Same expression as SpanCoord (base + step * x) so both paths agree on the taps.
    const __m256d xa = _mm256_add_pd(_mm256_set1_pd(x), step4), xb = _mm256_add_pd(_mm256_set1_pd(x + 4), step4);
    __m128i ixa, ixb, iya, iyb;
    __m128 fxa, fxb, fya, fyb;
    Split(_mm256_add_pd(vbx, _mm256_mul_pd(vax, xa)), ixa, fxa);
    Split(_mm256_add_pd(vbx, _mm256_mul_pd(vax, xb)), ixb, fxb);
    Split(_mm256_add_pd(vby, _mm256_mul_pd(vay, xa)), iya, fya);
    Split(_mm256_add_pd(vby, _mm256_mul_pd(vay, xb)), iyb, fyb);
    // The min() keeps loads in bounds even if rounding ever disagreed with the span test.
    const __m256i ix = _mm256_min_epi32(_mm256_set_m128i(ixb, ixa), maxX0);
    const __m256i iy = _mm256_min_epi32(_mm256_set_m128i(iyb, iya), maxY0);
    const __m256 fx = _mm256_set_m128(fxb, fxa), fy = _mm256_set_m128(fyb, fya);
    const __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(iy, stride), _mm256_mullo_epi32(ix, _mm256_set1_epi32(C)));
    const __m256i offDown = _mm256_add_epi32(off, stride);
    if constexpr (C == 1) {
      // One 32-bit load holds both horizontal neighbours.
      const __m256i top = _mm256_i32gather_epi32(base, off, 1), bottom = _mm256_i32gather_epi32(base, offDown, 1);
      const __m256 v = Lerp(Lerp(Channel<0>(top), Channel<1>(top), fx), Lerp(Channel<0>(bottom), Channel<1>(bottom), fx), fy);
      _mm256_storeu_ps(ob + x, v);
      _mm256_storeu_ps(og + x, v);
      _mm256_storeu_ps(orr + x, v);
    } else {
      const __m256i right = _mm256_set1_epi32(C);
      const __m256i p00 = _mm256_i32gather_epi32(base, off, 1);
      const __m256i p01 = _mm256_i32gather_epi32(base, _mm256_add_epi32(off, right), 1);
      const __m256i p10 = _mm256_i32gather_epi32(base, offDown, 1);
      const __m256i p11 = _mm256_i32gather_epi32(base, _mm256_add_epi32(offDown, right), 1);
      _mm256_storeu_ps(ob + x, Bilinear<OB>(p00, p01, p10, p11, fx, fy));
      _mm256_storeu_ps(og + x, Bilinear<OG>(p00, p01, p10, p11, fx, fy));
      _mm256_storeu_ps(orr + x, Bilinear<OR>(p00, p01, p10, p11, fx, fy));
    }
  }
  return x - lo;
}

template <int OB, int OG, int OR>
__attribute__((target("avx2,fma"))) int BlendRun(const std::uint8_t* row, const std::int32_t* o0,
                                                 const std::int32_t* o1, const float* w, int n, float* b, float* g,
                                                 float* r) {
  const auto* base = reinterpret_cast<const int*>(row);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i a = _mm256_i32gather_epi32(base, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o0 + i)), 1);
    const __m256i c = _mm256_i32gather_epi32(base, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o1 + i)), 1);
    const __m256 t = _mm256_loadu_ps(w + i);
    _mm256_storeu_ps(b + i, Lerp(Channel<OB>(a), Channel<OB>(c), t));
    _mm256_storeu_ps(g + i, Lerp(Channel<OG>(a), Channel<OG>(c), t));
    _mm256_storeu_ps(r + i, Lerp(Channel<OR>(a), Channel<OR>(c), t));
  }
  return i;
}

}  // namespace

int WarpInteriorAvx2(const ImageView& img, double bx, double by, double ax, double ay, int lo, int hi, float* ob,
                     float* og, float* orr) {
  switch (img.order) {
    case PixelOrder::Gray: return WarpRun<1, 0, 0, 0>(img, bx, by, ax, ay, lo, hi, ob, og, orr);
    case PixelOrder::Rgb: return WarpRun<3, 2, 1, 0>(img, bx, by, ax, ay, lo, hi, ob, og, orr);
    case PixelOrder::Bgr: return WarpRun<3, 0, 1, 2>(img, bx, by, ax, ay, lo, hi, ob, og, orr);
    case PixelOrder::Rgba: return WarpRun<4, 2, 1, 0>(img, bx, by, ax, ay, lo, hi, ob, og, orr);
    case PixelOrder::Bgra: return WarpRun<4, 0, 1, 2>(img, bx, by, ax, ay, lo, hi, ob, og, orr);
  }
  return 0;
}

int BlendRowAvx2(PixelOrder order, const std::uint8_t* row, const std::int32_t* o0, const std::int32_t* o1,
                 const float* w, int n, float* b, float* g, float* r) {
  switch (order) {
    case PixelOrder::Gray: return BlendRun<0, 0, 0>(row, o0, o1, w, n, b, g, r);
    case PixelOrder::Rgb:
    case PixelOrder::Rgba: return BlendRun<2, 1, 0>(row, o0, o1, w, n, b, g, r);
    case PixelOrder::Bgr:
    case PixelOrder::Bgra: return BlendRun<0, 1, 2>(row, o0, o1, w, n, b, g, r);
  }
  return 0;
}

#else  // no AVX2 build: the scalar loops do everything

bool Avx2Available() { return false; }
int WarpInteriorAvx2(const ImageView&, double, double, double, double, int, int, float*, float*, float*) { return 0; }
int BlendRowAvx2(PixelOrder, const std::uint8_t*, const std::int32_t*, const std::int32_t*, const float*, int, float*,
                 float*, float*) {
  return 0;
}

#endif

}  // namespace kernels::simd
