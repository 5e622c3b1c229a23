// Least-squares similarity (rotation + uniform scale + translation, never a
// reflection) between two 2-D point sets. Pure C++, no N-API.
#pragma once
#include <cstddef>

namespace kernels {

// How the scale is chosen once the rotation is fixed.
//  RmsRatio:     s = rms(dst) / rms(src) about the centroids. This is what the Open Model
//                Zoo face demo does (normalise both sets by their std, then fit the rotation),
//                so crops match the ones face-reidentification-retail-0095 was evaluated on.
//  LeastSquares: s minimising sum |s R src + t - dst|^2 (Umeyama 1991). Smaller than RmsRatio
//                whenever the sets are not exactly similar.
enum class ScaleRule { RmsRatio, LeastSquares };

enum class FitStatus { Ok, NonFinite, Degenerate };

// src and dst hold n points as x0,y0,x1,y1,...; out is the 2x3 row-major matrix
// [a b tx; c d ty] mapping src onto dst. out is untouched unless Ok is returned.
// Degenerate: either set has (numerically) zero spread, or the rotation is undefined.
FitStatus FitSimilarity(const double* src, const double* dst, std::size_t n, ScaleRule rule, double out[6]);

}  // namespace kernels
