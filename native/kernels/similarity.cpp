#include "kernels/similarity.hpp"

#include <algorithm>
#include <cmath>

namespace kernels {

namespace {

struct Centred {
  double mx = 0, my = 0;  // centroid
  double sumSq = 0;       // sum of squared distances to the centroid
  double magnitude = 0;   // largest |coordinate|, to judge spread relative to position
};

Centred Describe(const double* p, std::size_t n) {
  Centred c;
  for (std::size_t i = 0; i < n; ++i) {
    c.mx += p[2 * i];
    c.my += p[2 * i + 1];
    c.magnitude = std::max({c.magnitude, std::fabs(p[2 * i]), std::fabs(p[2 * i + 1])});
  }
  c.mx /= static_cast<double>(n);
  c.my /= static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = p[2 * i] - c.mx, dy = p[2 * i + 1] - c.my;
    c.sumSq += dx * dx + dy * dy;
  }
  return c;
}

// A spread below ~1e-10 of the coordinates' size is rounding noise, not a shape.
bool HasSpread(const Centred& c, std::size_t n) {
  const double rms = std::sqrt(c.sumSq / static_cast<double>(n));
  return rms > 0 && rms > 1e-10 * c.magnitude;
}

}  // namespace

FitStatus FitSimilarity(const double* src, const double* dst, std::size_t n, ScaleRule rule, double out[6]) {
  if (n < 2) return FitStatus::Degenerate;
  for (std::size_t i = 0; i < 2 * n; ++i) {
    if (!std::isfinite(src[i]) || !std::isfinite(dst[i])) return FitStatus::NonFinite;
  }
  const Centred s = Describe(src, n);
  const Centred d = Describe(dst, n);
  if (!HasSpread(s, n) || !HasSpread(d, n)) return FitStatus::Degenerate;

  // In 2-D the SVD of the cross-covariance has a closed form: the best proper
  // rotation angle is atan2(sum cross, sum dot) of the centred pairs. Excluding
  // reflections is automatic because only rotations are parametrised.
  double dot = 0, cross = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double sx = src[2 * i] - s.mx, sy = src[2 * i + 1] - s.my;
    const double dx = dst[2 * i] - d.mx, dy = dst[2 * i + 1] - d.my;
    dot += sx * dx + sy * dy;
    cross += sx * dy - sy * dx;
  }
  const double norm = std::hypot(dot, cross);
  // norm == 0: every rotation fits equally badly, so no rotation is "the" answer.
  if (!(norm > 1e-12 * std::sqrt(s.sumSq * d.sumSq))) return FitStatus::Degenerate;

  const double scale = rule == ScaleRule::RmsRatio ? std::sqrt(d.sumSq / s.sumSq) : norm / s.sumSq;
  const double a = scale * dot / norm;    // s cos(theta)
  const double b = scale * cross / norm;  // s sin(theta)
  const double m[6] = {a, -b, d.mx - (a * s.mx - b * s.my), b, a, d.my - (b * s.mx + a * s.my)};
  for (double v : m) {
    if (!std::isfinite(v)) return FitStatus::NonFinite;
  }
  std::copy(m, m + 6, out);
  return FitStatus::Ok;
}

}  // namespace kernels
