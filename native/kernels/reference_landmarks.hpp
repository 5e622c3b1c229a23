// The five points face-reidentification-retail-0095 expects, in [0,1]^2 of its crop:
// left eye, right eye, nose tip, left mouth corner, right mouth corner (x, y pairs).
// src/align/reference.ts carries the same numbers for JS; a test keeps them equal.
#pragma once

namespace kernels {

inline constexpr int kLandmarkCount = 5;
inline constexpr double kReferenceLandmarks[2 * kLandmarkCount] = {
    0.31556875, 0.46157411, 0.68262292, 0.46157411, 0.50026250,
    0.64050536, 0.34947188, 0.82469196, 0.65343646, 0.82469196,
};

}  // namespace kernels
