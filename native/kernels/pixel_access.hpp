// Where B, G and R sit inside one interleaved pixel, as compile-time constants so the
// inner loops of warp and resize are specialised per layout (no per-pixel switch).
#pragma once
#include "kernels/image.hpp"

namespace kernels {

template <int C, int OffB, int OffG, int OffR>
struct Layout {
  static constexpr int channels = C;
  static constexpr int b = OffB;
  static constexpr int g = OffG;
  static constexpr int r = OffR;
};

using GrayLayout = Layout<1, 0, 0, 0>;
using RgbLayout = Layout<3, 2, 1, 0>;
using BgrLayout = Layout<3, 0, 1, 2>;
using RgbaLayout = Layout<4, 2, 1, 0>;
using BgraLayout = Layout<4, 0, 1, 2>;

// Planar YUV 4:2:0 (kernels/image.hpp): not a per-pixel byte layout, a tag the warp and
// resize specialise on.
struct I420Tag {
  static constexpr int channels = 1;
};

// Calls fn(Layout{}) with the layout matching `order`.
template <typename Fn>
void DispatchLayout(PixelOrder order, Fn&& fn) {
  switch (order) {
    case PixelOrder::Gray: fn(GrayLayout{}); break;
    case PixelOrder::Rgb: fn(RgbLayout{}); break;
    case PixelOrder::Bgr: fn(BgrLayout{}); break;
    case PixelOrder::Rgba: fn(RgbaLayout{}); break;
    case PixelOrder::Bgra: fn(BgraLayout{}); break;
    case PixelOrder::I420: break;  // planar: resize.cpp and warp.cpp take it before dispatching
  }
}

}  // namespace kernels
