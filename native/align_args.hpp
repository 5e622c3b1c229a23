// Argument reading for the pixel functions of align_binding.cpp. Every check a direct
// caller of the raw binding could defeat lives here, and all JS values (which may run
// getters) are read before any buffer pointer is taken, so no JS can run between the
// length checks and the kernels. Messages are composed only when a check fails: a valid
// call allocates nothing here (bench/memory.js counts the addon's allocations per embed).
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/image.hpp"
#include "kernels/resize.hpp"

namespace align_args {

// Everything about an image except its memory, read from the JS image object.
struct ImageShape {
  int width = 0;
  int height = 0;
  int channels = 0;
  kernels::PixelOrder order = kernels::PixelOrder::Rgb;
  std::uint64_t stride = 0;
  Napi::Value data;  // checked by ResolveImage
};

ImageShape ReadImageShape(const Napi::Value& image);
// Checks the data buffer type and length against the shape; returns a view on it
// (byteOffset honoured).
kernels::ImageView ResolveImage(const ImageShape& shape);

// Doubles kept inside the object up to N (a frame's faces: no allocation), on the heap beyond.
// Sized once, then filled: resize() keeps no values across the inline/heap boundary.
template <std::size_t N>
class Doubles {
 public:
  void resize(std::size_t n) {
    size_ = n;
    if (n > N) heap_.resize(n);
  }
  std::size_t size() const { return size_; }
  double* data() { return size_ > N ? heap_.data() : inline_; }
  const double* data() const { return size_ > N ? heap_.data() : inline_; }
  double& operator[](std::size_t i) { return data()[i]; }
  const double& operator[](std::size_t i) const { return data()[i]; }

 private:
  double inline_[N] = {};
  std::vector<double> heap_;
  std::size_t size_ = 0;
};

// Landmarks of up to 16 faces inline.
using Coordinates = Doubles<160>;

// An integer number in [min, max].
int ReadInt(const Napi::Value& value, const char* name, std::int64_t min, std::int64_t max);
bool ReadBool(const Napi::Value& value, const char* name, bool fallback);

// Exactly `count` finite numbers, |v| <= 1e6, from an Array or Float32/Float64Array.
// count == 0 accepts any positive multiple of `multiple` up to maxCount.
void ReadCoordinates(const Napi::Value& value, const char* name, std::size_t count, Coordinates& out,
                     std::size_t multiple = 0, std::size_t maxCount = 0);

// A Float32Array with at least `required` elements; returns its data (byteOffset honoured).
float* ResolveOut(const Napi::Value& value, const char* name, std::uint64_t required);

// Rect inside (width, height); undefined means the whole image.
kernels::Rect ReadRoi(const Napi::Value& value, int width, int height);

}  // namespace align_args
