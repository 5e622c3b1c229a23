// Which crop pixels of one row have all four bilinear taps inside the image.
// Solving the linear inequalities once per row lets the inner loop run without
// bounds checks; the endpoints are re-checked with the very expression the loop uses.
#pragma once
#include <algorithm>
#include <cmath>

namespace kernels {

struct Span {
  int lo = 0;
  int hi = 0;  // [lo, hi), possibly empty
};

// Coordinate of crop pixel x along one image axis for a row starting at `base`.
inline double SpanCoord(double base, double step, int x) { return base + step * static_cast<double>(x); }

// Integers x in [0, n) whose coordinate v satisfies 0 <= v < limit.
inline Span AxisSpan(double base, double step, double limit, int n) {
  Span s;
  if (!(limit > 0) || !std::isfinite(base) || !std::isfinite(step)) return s;
  if (step == 0) {
    if (base >= 0 && base < limit) s.hi = n;
    return s;
  }
  const double e0 = (0 - base) / step, e1 = (limit - base) / step;
  double from = std::ceil(std::min(e0, e1)), to = std::floor(std::max(e0, e1)) + 1;
  from = std::clamp(from, 0.0, static_cast<double>(n));
  to = std::clamp(to, 0.0, static_cast<double>(n));
  s.lo = static_cast<int>(from);
  s.hi = static_cast<int>(to);
  // v is monotone in x, so checked endpoints make the whole run safe.
  auto inside = [&](int x) {
    const double v = SpanCoord(base, step, x);
    return v >= 0 && v < limit;
  };
  while (s.lo < s.hi && !inside(s.lo)) ++s.lo;
  while (s.hi > s.lo && !inside(s.hi - 1)) --s.hi;
  return s;
}

// Both axes: floor(vx) + 1 <= width - 1 and floor(vy) + 1 <= height - 1.
inline Span InteriorSpan(double bx, double ax, double by, double ay, int width, int height, int n) {
  const Span sx = AxisSpan(bx, ax, width - 1.0, n);
  const Span sy = AxisSpan(by, ay, height - 1.0, n);
  Span s{std::max(sx.lo, sy.lo), std::min(sx.hi, sy.hi)};
  if (s.hi < s.lo) s.hi = s.lo;
  return s;
}

}  // namespace kernels
