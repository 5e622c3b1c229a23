// A borrowed view of an interleaved 8-bit image, shared by the pixel kernels.
// The kernels trust these fields: the N-API layer checks them against the real
// buffer length before any kernel runs (see align_args.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

namespace kernels {

// Byte layout of one pixel. The kernels always write B, G, R planes (the OpenVINO
// face models take BGR), so the order only says where each of those bytes lives.
// I420 is planar YUV 4:2:0 (see I420Layout below): what a video decoder gives before any
// colour conversion, so a stream need not convert whole frames it only samples.
enum class PixelOrder { Gray, Rgb, Bgr, Rgba, Bgra, I420 };

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
    case PixelOrder::Gray:
    case PixelOrder::I420: return 1;  // the luma plane's bytes per pixel
    case PixelOrder::Rgb:
    case PixelOrder::Bgr: return 3;
    default: return 4;
  }
}

// I420 memory: the Y plane at `data`, `stride` bytes a row for `height` rows, then the U and
// the V plane, each ceil(width / 2) x ceil(height / 2) bytes, packed (ffmpeg's yuv420p rawvideo).
inline int ChromaSide(int lumaSide) { return (lumaSide + 1) / 2; }

inline std::size_t I420Bytes(std::size_t stride, int width, int height) {
  const std::size_t chroma = static_cast<std::size_t>(ChromaSide(width)) * static_cast<std::size_t>(ChromaSide(height));
  return stride * static_cast<std::size_t>(height) + 2 * chroma;
}

struct I420Planes {
  const std::uint8_t* y;
  const std::uint8_t* u;
  const std::uint8_t* v;
  std::size_t yStride;
  std::size_t cStride;
};

inline I420Planes I420PlanesOf(const ImageView& img) {
  const std::size_t cStride = static_cast<std::size_t>(ChromaSide(img.width));
  const std::uint8_t* u = img.data + img.stride * static_cast<std::size_t>(img.height);
  return {img.data, u, u + cStride * static_cast<std::size_t>(ChromaSide(img.height)), img.stride, cStride};
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
