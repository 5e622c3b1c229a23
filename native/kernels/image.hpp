// A borrowed view of an interleaved 8-bit image, shared by the pixel kernels.
// The kernels trust these fields: the N-API layer checks them against the real
// buffer length before any kernel runs (see align_args.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

namespace kernels {

// Byte layout of one pixel. The kernels always write B, G, R planes (the OpenVINO
// face models take BGR), so the order only says where each of those bytes lives.
enum class PixelOrder { Gray, Rgb, Bgr, Rgba, Bgra };

struct ImageView {
  const std::uint8_t* data = nullptr;
  std::size_t byteLength = 0;
  int width = 0;
  int height = 0;
  int channels = 0;       // 1, 3 or 4, consistent with order
  PixelOrder order = PixelOrder::Rgb;
  std::size_t stride = 0; // bytes from one row to the next, >= width * channels
};

// Channels a given order implies (1, 3 or 4).
inline int ChannelsOf(PixelOrder order) {
  switch (order) {
    case PixelOrder::Gray: return 1;
    case PixelOrder::Rgb:
    case PixelOrder::Bgr: return 3;
    default: return 4;
  }
}

// Three planes of `planeSize` floats each, B first, as the models expect.
struct PlanesBgr {
  float* b;
  float* g;
  float* r;
};

inline PlanesBgr SlotPlanes(float* out, std::size_t index, std::size_t planeSize) {
  float* base = out + index * 3 * planeSize;
  return {base, base + planeSize, base + 2 * planeSize};
}

}  // namespace kernels
