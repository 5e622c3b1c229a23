// AVX2 inner loops for warp and resize, chosen at run time (the addon itself is built
// for baseline x86-64, so it still loads on CPUs without AVX2). Each loop does whole
// groups of 8 pixels and returns how many it did; the caller finishes the tail with
// the scalar code, which gives the same numbers.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/image.hpp"

namespace kernels::simd {

// True when this build has the AVX2 loops and the CPU runs them.
bool Avx2Available();

// Interior warp run of one crop row, crop pixels [lo, hi): every tap is inside the image
// and the 32-bit loads below stay inside the buffer (the caller keeps y0 + 1 <= height - 2
// for 1 and 3 channels, where a 4-byte load reads past the pixel), and every byte offset
// fits in int32. Returns the number of pixels written from lo.
int WarpInteriorAvx2(const ImageView& img, double bx, double by, double ax, double ay, int lo, int hi, float* ob,
                     float* og, float* orr);

// Horizontal pass of the resize over one source row: dst[i] = lerp(row[o0[i]], row[o0[i] + 1 pixel], w[i])
// per channel, for i in [0, n); where the caller's second tap is o0[i] itself (a clamped edge), w[i]
// is 0, so reading the neighbour changes nothing. o0 are byte
// offsets of pixels in the row and `available` the bytes readable from `row` on: up to 8 bytes
// are read at a tap, and outputs whose reads would pass the end are left to the caller.
// Returns how many outputs (from 0) were done. `ahead`, when not null, is the source row the
// caller blends next: its bytes at the same offsets are prefetched while this row is blended.
int BlendRowAvx2(PixelOrder order, const std::uint8_t* row, std::size_t available, const std::int32_t* o0,
                 const float* w, int n, float* b, float* g, float* r,
                 const std::uint8_t* ahead);

// The same horizontal pass over one plane of 1-byte samples (I420's Y, U or V) into `out`;
// up to 4 bytes are read at a tap. Returns how many outputs (from 0) were done.
int BlendPlaneAvx2(const std::uint8_t* row, std::size_t available, const std::int32_t* o0, const float* w, int n,
                   float* out);

}  // namespace kernels::simd
