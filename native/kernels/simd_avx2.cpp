#include "kernels/simd_avx2.hpp"

#include <cstring>

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

// Image coordinates of crop pixels x..x+7 of one row: top-left tap offsets (bytes,
// clamped into the image) and the float fractions. Same expression as SpanCoord
// (base + step * x) so the SIMD and scalar paths agree on the taps.
template <int C>
AVX2_FN void Coords(double bx, double by, double ax, double ay, int x, __m256i stride, __m256i maxX0, __m256i maxY0,
                    __m256i& off, __m256& fx, __m256& fy) {
  const __m256d step4 = _mm256_set_pd(3, 2, 1, 0);
  const __m256d vax = _mm256_set1_pd(ax), vay = _mm256_set1_pd(ay);
  const __m256d vbx = _mm256_set1_pd(bx), vby = _mm256_set1_pd(by);
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
  fx = _mm256_set_m128(fxb, fxa);
  fy = _mm256_set_m128(fyb, fya);
  off = _mm256_add_epi32(_mm256_mullo_epi32(iy, stride), _mm256_mullo_epi32(ix, _mm256_set1_epi32(C)));
}

// Gray: one 32-bit gather per row holds both horizontal neighbours (an 8-byte load
// could run past a 2-pixel-wide image, so gray keeps the gathers).
__attribute__((target("avx2,fma"))) int WarpRunGray(const ImageView& img, double bx, double by, double ax, double ay,
                                                    int lo, int hi, float* ob, float* og, float* orr) {
  const auto* base = reinterpret_cast<const int*>(img.data);
  const __m256i stride = _mm256_set1_epi32(static_cast<int>(img.stride));
  const __m256i maxX0 = _mm256_set1_epi32(img.width - 2), maxY0 = _mm256_set1_epi32(img.height - 2);
  int x = lo;
  for (; x + 8 <= hi; x += 8) {
    __m256i off;
    __m256 fx, fy;
    Coords<1>(bx, by, ax, ay, x, stride, maxX0, maxY0, off, fx, fy);
    const __m256i top = _mm256_i32gather_epi32(base, off, 1);
    const __m256i bottom = _mm256_i32gather_epi32(base, _mm256_add_epi32(off, stride), 1);
    const __m256 v = Lerp(Lerp(Channel<0>(top), Channel<1>(top), fx), Lerp(Channel<0>(bottom), Channel<1>(bottom), fx), fy);
    _mm256_storeu_ps(ob + x, v);
    _mm256_storeu_ps(og + x, v);
    _mm256_storeu_ps(orr + x, v);
  }
  return x - lo;
}

// Top and bottom 8 bytes of one pixel's 2x2 neighbourhood, from two plain unaligned
// loads: 8 bytes at (x0, y0) cover both horizontal taps of every channel (C = 3 or 4).
// Vector gathers were the bottleneck on AMD (4 gathers = 32 element loads per 8
// pixels); this is 16 ordinary loads per 8 pixels.
AVX2_FN __m128i Quad(const std::uint8_t* p, std::size_t stride) {
  const __m128i top = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm_castpd_si128(_mm_loadh_pd(_mm_castsi128_pd(top), reinterpret_cast<const double*>(p + stride)));
}

// Pixels k and k + 4 of the group in one register (lane 0 and lane 1).
AVX2_FN __m256i QuadPair(const std::uint8_t* base, const std::int32_t* offs, int k, std::size_t stride) {
  return _mm256_inserti128_si256(_mm256_castsi128_si256(Quad(base + offs[k], stride)), Quad(base + offs[k + 4], stride), 1);
}

// Bilinear value of one channel whose four taps sit in the bytes of each 32-bit lane
// as (top-left, top-right, bottom-left, bottom-right).
AVX2_FN __m256 BilinearPacked(__m256i taps, __m256 fx, __m256 fy) {
  const __m256i mask = _mm256_set1_epi32(0xff);
  const __m256 a = _mm256_cvtepi32_ps(_mm256_and_si256(taps, mask));
  const __m256 b = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(taps, 8), mask));
  const __m256 c = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(taps, 16), mask));
  const __m256 d = _mm256_cvtepi32_ps(_mm256_srli_epi32(taps, 24));
  return Lerp(Lerp(a, b, fx), Lerp(c, d, fx), fy);
}

// GCC 12's own AVX-512 intrinsics start from _mm512_undefined_*() and trip its
// (maybe-)uninitialized warnings once inlined (GCC bug 105593); the values are fine.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// AVX-512 (F+BW) version of WarpRun, 16 pixels per step: same loads, same float
// arithmetic in the same order (results are bit-identical), half the vector
// instructions per pixel. Runs first; the AVX2 loop takes any 8-pixel remainder.
#define AVX512_FN __attribute__((target("avx512f,avx512bw,avx2,fma"))) inline

AVX512_FN __m512 Lerp512(__m512 a, __m512 b, __m512 t) { return _mm512_fmadd_ps(t, _mm512_sub_ps(b, a), a); }

// Bytes become floats without conversion instructions: OR-ing a byte into the
// mantissa of 2^23 gives exactly 2^23 + byte. Differences of two such values are the
// exact byte differences and subtracting 2^23 gives the exact byte, so the result is
// bit-identical to converting first (measured ~3% faster than vcvtdq2ps here).
AVX512_FN __m512 BilinearPacked512(__m512i taps, __m512 fx, __m512 fy) {
  const __m512i mask = _mm512_set1_epi32(0xff), bias = _mm512_set1_epi32(0x4B000000);  // 2^23
  constexpr int kAndOr = 0xEA;  // ternary logic truth table of (A & B) | C
  const __m512 a = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(taps, mask, bias, kAndOr));
  const __m512 b = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_srli_epi32(taps, 8), mask, bias, kAndOr));
  const __m512 c = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_srli_epi32(taps, 16), mask, bias, kAndOr));
  const __m512 d = _mm512_castsi512_ps(_mm512_or_si512(_mm512_srli_epi32(taps, 24), bias));
  const __m512 biasF = _mm512_castsi512_ps(bias);
  const __m512 top = _mm512_fmadd_ps(fx, _mm512_sub_ps(b, a), _mm512_sub_ps(a, biasF));
  const __m512 bottom = _mm512_fmadd_ps(fx, _mm512_sub_ps(d, c), _mm512_sub_ps(c, biasF));
  return Lerp512(top, bottom, fy);
}

// 16 floats from two halves (AVX-512F only; insertf32x8 would need DQ).
AVX512_FN __m512 Join512(__m256 lo, __m256 hi) {
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_zextps256_ps512(lo)), _mm256_castps_pd(hi), 1));
}

AVX512_FN void Split512(__m512d v, __m256i& whole, __m256& frac) {
  whole = _mm512_cvttpd_epi32(v);
  frac = _mm512_cvtpd_ps(_mm512_sub_pd(v, _mm512_cvtepi32_pd(whole)));
}

// Pixels k, k + 4, k + 8, k + 12 of the group, one per 128-bit lane.
AVX512_FN __m512i QuadQuad(const std::uint8_t* base, const std::int32_t* offs, int k, std::size_t stride) {
  const __m512i lo = _mm512_zextsi256_si512(QuadPair(base, offs, k, stride));
  const __m256i hi = _mm256_inserti128_si256(_mm256_castsi128_si256(Quad(base + offs[k + 8], stride)),
                                             Quad(base + offs[k + 12], stride), 1);
  return _mm512_inserti64x4(lo, hi, 1);
}

template <int C, int OB, int OG, int OR>
__attribute__((target("avx512f,avx512bw,avx2,fma"))) int WarpRun512(const ImageView& img, double bx, double by,
                                                                   double ax, double ay, int lo, int hi, float* ob,
                                                                   float* og, float* orr) {
  const std::uint8_t* base = img.data;
  const std::size_t rowBytes = img.stride;
  const __m512i stride = _mm512_set1_epi32(static_cast<int>(img.stride));
  const __m512i maxX0 = _mm512_set1_epi32(img.width - 2), maxY0 = _mm512_set1_epi32(img.height - 2);
  const __m512d step8 = _mm512_set_pd(7, 6, 5, 4, 3, 2, 1, 0);
  const __m512d vax = _mm512_set1_pd(ax), vay = _mm512_set1_pd(ay);
  const __m512d vbx = _mm512_set1_pd(bx), vby = _mm512_set1_pd(by);
  const __m512i gather = _mm512_broadcast_i32x4(_mm_setr_epi8(OB, C + OB, 8 + OB, 8 + C + OB, OG, C + OG, 8 + OG,
                                                              8 + C + OG, OR, C + OR, 8 + OR, 8 + C + OR, -1, -1, -1, -1));
  // Coordinates of the next 16 pixels are computed one step ahead (software
  // pipelining): the multiply -> store -> address chain is long and would otherwise
  // stall the loads of each step.
  auto coords = [&](int at, __m512i& off, __m512& fx, __m512& fy) __attribute__((target("avx512f,avx512bw,avx2,fma"))) {
    // Same expression as SpanCoord (base + step * x), as in the AVX2 loop.
    const __m512d xa = _mm512_add_pd(_mm512_set1_pd(at), step8), xb = _mm512_add_pd(_mm512_set1_pd(at + 8), step8);
    __m256i ixa, ixb, iya, iyb;
    __m256 fxa, fxb, fya, fyb;
    Split512(_mm512_add_pd(vbx, _mm512_mul_pd(vax, xa)), ixa, fxa);
    Split512(_mm512_add_pd(vbx, _mm512_mul_pd(vax, xb)), ixb, fxb);
    Split512(_mm512_add_pd(vby, _mm512_mul_pd(vay, xa)), iya, fya);
    Split512(_mm512_add_pd(vby, _mm512_mul_pd(vay, xb)), iyb, fyb);
    const __m512i ix = _mm512_min_epi32(_mm512_inserti64x4(_mm512_zextsi256_si512(ixa), ixb, 1), maxX0);
    const __m512i iy = _mm512_min_epi32(_mm512_inserti64x4(_mm512_zextsi256_si512(iya), iyb, 1), maxY0);
    fx = Join512(fxa, fxb);
    fy = Join512(fya, fyb);
    off = _mm512_add_epi32(_mm512_mullo_epi32(iy, stride), _mm512_mullo_epi32(ix, _mm512_set1_epi32(C)));
  };
  alignas(64) std::int32_t offs[16];
  __m512i nextOff;
  __m512 fx, fy, nextFx, nextFy;
  coords(lo, nextOff, nextFx, nextFy);
  int x = lo;
  if (x + 16 > hi) return 0;
  // Taps of the current step are loaded one step ahead as well.
  _mm512_store_si512(offs, nextOff);
  fx = nextFx;
  fy = nextFy;
  __m512i n0 = QuadQuad(base, offs, 0, rowBytes), n1 = QuadQuad(base, offs, 1, rowBytes);
  __m512i n2 = QuadQuad(base, offs, 2, rowBytes), n3 = QuadQuad(base, offs, 3, rowBytes);
  coords(x + 16, nextOff, nextFx, nextFy);
  for (; x + 16 <= hi; x += 16) {
    const __m512i q0 = _mm512_shuffle_epi8(n0, gather), q1 = _mm512_shuffle_epi8(n1, gather);
    const __m512i q2 = _mm512_shuffle_epi8(n2, gather), q3 = _mm512_shuffle_epi8(n3, gather);
    const __m512 cfx = fx, cfy = fy;
    if (x + 32 <= hi) {
      _mm512_store_si512(offs, nextOff);
      fx = nextFx;
      fy = nextFy;
      n0 = QuadQuad(base, offs, 0, rowBytes);
      n1 = QuadQuad(base, offs, 1, rowBytes);
      n2 = QuadQuad(base, offs, 2, rowBytes);
      n3 = QuadQuad(base, offs, 3, rowBytes);
      coords(x + 32, nextOff, nextFx, nextFy);
    }
    const __m512i bg01 = _mm512_unpacklo_epi32(q0, q1), bg23 = _mm512_unpacklo_epi32(q2, q3);
    const __m512i r01 = _mm512_unpackhi_epi32(q0, q1), r23 = _mm512_unpackhi_epi32(q2, q3);
    _mm512_storeu_ps(ob + x, BilinearPacked512(_mm512_unpacklo_epi64(bg01, bg23), cfx, cfy));
    _mm512_storeu_ps(og + x, BilinearPacked512(_mm512_unpackhi_epi64(bg01, bg23), cfx, cfy));
    _mm512_storeu_ps(orr + x, BilinearPacked512(_mm512_unpacklo_epi64(r01, r23), cfx, cfy));
  }
  return x - lo;
}

#pragma GCC diagnostic pop

template <int C, int OB, int OG, int OR>
__attribute__((target("avx2,fma"))) int WarpRun(const ImageView& img, double bx, double by, double ax, double ay,
                                                int lo, int hi, float* ob, float* og, float* orr) {
  const std::uint8_t* base = img.data;
  const std::size_t rowBytes = img.stride;
  const __m256i stride = _mm256_set1_epi32(static_cast<int>(img.stride));
  const __m256i maxX0 = _mm256_set1_epi32(img.width - 2), maxY0 = _mm256_set1_epi32(img.height - 2);
  // Per pixel register half [top 8 bytes | bottom 8 bytes] -> 32-bit lanes holding the
  // four taps of B, G and R (lane 3 unused, zeroed).
  const __m256i gather = _mm256_setr_epi8(
      OB, C + OB, 8 + OB, 8 + C + OB, OG, C + OG, 8 + OG, 8 + C + OG, OR, C + OR, 8 + OR, 8 + C + OR, -1, -1, -1, -1,
      OB, C + OB, 8 + OB, 8 + C + OB, OG, C + OG, 8 + OG, 8 + C + OG, OR, C + OR, 8 + OR, 8 + C + OR, -1, -1, -1, -1);
  // Coordinates and tap loads run one 8-pixel step ahead of the arithmetic, as in
  // WarpRun512: the loop is otherwise bound by the coordinate -> address -> load chain.
  alignas(32) std::int32_t offs[8];
  int x = lo;
  if (x + 8 > hi) return 0;
  __m256i nextOff;
  __m256 fx, fy, nextFx, nextFy;
  Coords<C>(bx, by, ax, ay, x, stride, maxX0, maxY0, nextOff, fx, fy);
  _mm256_store_si256(reinterpret_cast<__m256i*>(offs), nextOff);
  __m256i n0 = QuadPair(base, offs, 0, rowBytes), n1 = QuadPair(base, offs, 1, rowBytes);
  __m256i n2 = QuadPair(base, offs, 2, rowBytes), n3 = QuadPair(base, offs, 3, rowBytes);
  Coords<C>(bx, by, ax, ay, x + 8, stride, maxX0, maxY0, nextOff, nextFx, nextFy);
  for (; x + 8 <= hi; x += 8) {
    // q[k] lanes: pixels (k, k + 4), each as lanes (B, G, R, -).
    const __m256i q0 = _mm256_shuffle_epi8(n0, gather), q1 = _mm256_shuffle_epi8(n1, gather);
    const __m256i q2 = _mm256_shuffle_epi8(n2, gather), q3 = _mm256_shuffle_epi8(n3, gather);
    const __m256 cfx = fx, cfy = fy;
    if (x + 16 <= hi) {
      _mm256_store_si256(reinterpret_cast<__m256i*>(offs), nextOff);
      fx = nextFx;
      fy = nextFy;
      n0 = QuadPair(base, offs, 0, rowBytes);
      n1 = QuadPair(base, offs, 1, rowBytes);
      n2 = QuadPair(base, offs, 2, rowBytes);
      n3 = QuadPair(base, offs, 3, rowBytes);
      // Pure arithmetic (no memory access) even past hi; then unused.
      Coords<C>(bx, by, ax, ay, x + 16, stride, maxX0, maxY0, nextOff, nextFx, nextFy);
    }
    // 4x4 transpose of 32-bit lanes within each half: one register per channel with
    // pixels in order 0..3 | 4..7, matching fx/fy.
    const __m256i bg01 = _mm256_unpacklo_epi32(q0, q1), bg23 = _mm256_unpacklo_epi32(q2, q3);
    const __m256i r01 = _mm256_unpackhi_epi32(q0, q1), r23 = _mm256_unpackhi_epi32(q2, q3);
    _mm256_storeu_ps(ob + x, BilinearPacked(_mm256_unpacklo_epi64(bg01, bg23), cfx, cfy));
    _mm256_storeu_ps(og + x, BilinearPacked(_mm256_unpackhi_epi64(bg01, bg23), cfx, cfy));
    _mm256_storeu_ps(orr + x, BilinearPacked(_mm256_unpacklo_epi64(r01, r23), cfx, cfy));
  }
  return x - lo;
}

bool Avx512Available() {
#ifdef FACE_REID_NO_AVX512
  // Build switch (-DFACE_REID_NO_AVX512): the AVX2 loops alone, e.g. to run the
  // exactness tests on them on an AVX-512 machine.
  return false;
#endif
  static const bool available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  return available;
}

// 16-pixel AVX-512 steps where the CPU has them, then 8-pixel AVX2 steps for the rest
// (so every row with a remainder of 8+ pixels also exercises the AVX2 loop).
template <int C, int OB, int OG, int OR>
int WarpWide(const ImageView& img, double bx, double by, double ax, double ay, int lo, int hi, float* ob, float* og,
             float* orr) {
  const int wide = Avx512Available() ? WarpRun512<C, OB, OG, OR>(img, bx, by, ax, ay, lo, hi, ob, og, orr) : 0;
  return wide + WarpRun<C, OB, OG, OR>(img, bx, by, ax, ay, lo + wide, hi, ob, og, orr);
}

// Gray: both taps of eight outputs by one gather (4 bytes read at o0: the pixel and its right
// neighbour, which is the second tap, or is weighted 0 where o1 == o0 at a clamped edge).
__attribute__((target("avx2,fma"))) int BlendRunGray(const std::uint8_t* row, std::size_t available, const std::int32_t* o0,
                                                    const float* w, int n, float* out) {
  const auto* base = reinterpret_cast<const int*>(row);
  int i = 0;
  for (; i + 8 <= n && static_cast<std::size_t>(o0[i + 7]) + 4 <= available; i += 8) {
    const __m256i a = _mm256_i32gather_epi32(base, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o0 + i)), 1);
    _mm256_storeu_ps(out + i, Lerp(Channel<0>(a), Channel<1>(a), _mm256_loadu_ps(w + i)));
  }
  return i;
}

// Colour (C = 3 or 4 bytes a pixel): one 8-byte load per output holds both taps, the pixel at
// o0 and its right neighbour (o1 is o0 + C, or the weight is 0 at a clamped edge, where the
// neighbour's value is multiplied by 0). Plain loads, unlike gathers, let the core overlap cache
// misses: on a 1920x1080 frame not in cache, the 544x300 resize took 0.95 ms with gathers.
// A frame straight from a decoder or a camera is rarely in cache, and the hardware prefetcher
// restarts at every row the resize jumps to, so the next row is prefetched by hand: one prefetch
// per four outputs, which reaches every 64-byte line of the row up to a down-scale of about 5.
// 1920x1080 to 544x300, frame not in cache: 0.70 ms without it, 0.34 ms with it.
template <int C>
AVX2_FN __m128 BlendPixel(const std::uint8_t* at, float w) {
  const __m128i both = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(at));
  const __m128 p = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(both));
  const __m128 q = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_srli_si128(both, C)));
  return _mm_fmadd_ps(_mm_set1_ps(w), _mm_sub_ps(q, p), p);  // lanes: bytes 0..3 of the pixel
}

template <int C, int OB, int OG, int OR>
__attribute__((target("avx2,fma"))) int BlendRunColour(const std::uint8_t* row, std::size_t available, const std::int32_t* o0,
                                                      const float* w, int n, float* b, float* g, float* r,
                                                      const std::uint8_t* ahead) {
  int i = 0;
  for (; i + 4 <= n && static_cast<std::size_t>(o0[i + 3]) + 8 <= available; i += 4) {
    if (ahead != nullptr) _mm_prefetch(reinterpret_cast<const char*>(ahead + o0[i]), _MM_HINT_T0);
    __m128 v0 = BlendPixel<C>(row + o0[i], w[i]), v1 = BlendPixel<C>(row + o0[i + 1], w[i + 1]);
    __m128 v2 = BlendPixel<C>(row + o0[i + 2], w[i + 2]), v3 = BlendPixel<C>(row + o0[i + 3], w[i + 3]);
    _MM_TRANSPOSE4_PS(v0, v1, v2, v3);  // now v<c> holds byte c of the four pixels
    const __m128 lanes[4] = {v0, v1, v2, v3};
    _mm_storeu_ps(b + i, lanes[OB]);
    _mm_storeu_ps(g + i, lanes[OG]);
    _mm_storeu_ps(r + i, lanes[OR]);
  }
  return i;
}

}  // namespace

int WarpInteriorAvx2(const ImageView& img, double bx, double by, double ax, double ay, int lo, int hi, float* ob,
                     float* og, float* orr) {
  switch (img.order) {
    case PixelOrder::Gray: return WarpRunGray(img, bx, by, ax, ay, lo, hi, ob, og, orr);
    case PixelOrder::Rgb: return WarpWide<3, 2, 1, 0>(img, bx, by, ax, ay, lo, hi, ob, og, orr);
    case PixelOrder::Bgr: return WarpWide<3, 0, 1, 2>(img, bx, by, ax, ay, lo, hi, ob, og, orr);
    case PixelOrder::Rgba: return WarpWide<4, 2, 1, 0>(img, bx, by, ax, ay, lo, hi, ob, og, orr);
    case PixelOrder::Bgra: return WarpWide<4, 0, 1, 2>(img, bx, by, ax, ay, lo, hi, ob, og, orr);
    case PixelOrder::I420: return 0;  // warp.cpp samples planar frames itself
  }
  return 0;
}

int BlendRowAvx2(PixelOrder order, const std::uint8_t* row, std::size_t available, const std::int32_t* o0,
                 const float* w, int n, float* b, float* g, float* r,
                 const std::uint8_t* ahead) {
  switch (order) {
    case PixelOrder::Gray: {
      const int done = BlendRunGray(row, available, o0, w, n, b);
      std::memcpy(g, b, sizeof(float) * static_cast<std::size_t>(done));
      std::memcpy(r, b, sizeof(float) * static_cast<std::size_t>(done));
      return done;
    }
    case PixelOrder::Rgb: return BlendRunColour<3, 2, 1, 0>(row, available, o0, w, n, b, g, r, ahead);
    case PixelOrder::Bgr: return BlendRunColour<3, 0, 1, 2>(row, available, o0, w, n, b, g, r, ahead);
    case PixelOrder::Rgba: return BlendRunColour<4, 2, 1, 0>(row, available, o0, w, n, b, g, r, ahead);
    case PixelOrder::Bgra: return BlendRunColour<4, 0, 1, 2>(row, available, o0, w, n, b, g, r, ahead);
    case PixelOrder::I420: return 0;  // resize.cpp blends its planes with BlendPlaneAvx2
  }
  return 0;
}

int BlendPlaneAvx2(const std::uint8_t* row, std::size_t available, const std::int32_t* o0, const float* w, int n,
                   float* out) {
  return BlendRunGray(row, available, o0, w, n, out);
}

#else  // no AVX2 build: the scalar loops do everything

bool Avx2Available() { return false; }
int WarpInteriorAvx2(const ImageView&, double, double, double, double, int, int, float*, float*, float*) { return 0; }
int BlendRowAvx2(PixelOrder, const std::uint8_t*, std::size_t, const std::int32_t*, const float*, int,
                 float*, float*, float*, const std::uint8_t*) {
  return 0;
}
int BlendPlaneAvx2(const std::uint8_t*, std::size_t, const std::int32_t*, const float*, int, float*) {
  return 0;
}

#endif

}  // namespace kernels::simd
