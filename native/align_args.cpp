#include "align_args.hpp"

#include <cmath>
#include <cstdio>

#include "errors.hpp"

namespace align_args {

namespace {

constexpr int kMaxSide = 65535;
// 2^28 pixels (16384 x 16384): far beyond any camera frame, and keeps every
// byte offset well inside 64-bit arithmetic.
constexpr std::uint64_t kMaxPixels = 1ull << 28;
constexpr double kMaxCoordinate = 1e6;

[[noreturn]] void ThrowType(const Napi::Env& env, const std::string& what, const std::string& name,
                            const Napi::Value& got) {
  // Only ever called with a failed check: composing the message here is the only allocation.
  throw errors::Type(env, "Expected " + what + " for " + name + " but received " + errors::Describe(got));
}

[[noreturn]] void ThrowRange(const Napi::Env& env, const std::string& what, const std::string& name,
                             const std::string& got) {
  throw errors::Range(env, "Expected " + what + " for " + name + " but received " + got);
}

std::string Num(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

kernels::PixelOrder ParseOrder(const Napi::Value& value, int channels) {
  Napi::Env env = value.Env();
  if (value.IsUndefined()) {
    return channels == 1 ? kernels::PixelOrder::Gray : channels == 3 ? kernels::PixelOrder::Rgb : kernels::PixelOrder::Rgba;
  }
  const char* oneOf = "one of 'rgb', 'bgr', 'rgba', 'bgra', 'gray', 'i420'";
  if (!value.IsString()) ThrowType(env, oneOf, "image.order", value);
  const std::string s = value.As<Napi::String>().Utf8Value();  // a valid order fits the string's inline buffer
  kernels::PixelOrder order;
  if (s == "rgb") order = kernels::PixelOrder::Rgb;
  else if (s == "bgr") order = kernels::PixelOrder::Bgr;
  else if (s == "rgba") order = kernels::PixelOrder::Rgba;
  else if (s == "bgra") order = kernels::PixelOrder::Bgra;
  else if (s == "gray") order = kernels::PixelOrder::Gray;
  else if (s == "i420") order = kernels::PixelOrder::I420;
  else ThrowRange(env, oneOf, "image.order", s.size() > 40 ? "a long string" : "\"" + s + "\"");
  if (kernels::ChannelsOf(order) != channels) {
    ThrowRange(env, "an order with " + std::to_string(channels) + " channel(s) (image.channels)", "image.order",
               "\"" + s + "\"");
  }
  return order;
}

}  // namespace

int ReadInt(const Napi::Value& value, const char* name, std::int64_t min, std::int64_t max) {
  Napi::Env env = value.Env();
  auto what = [&] { return "an integer between " + std::to_string(min) + " and " + std::to_string(max); };
  if (!value.IsNumber()) ThrowType(env, what(), name, value);
  const double d = value.As<Napi::Number>().DoubleValue();
  // Range test in double first: casting NaN or 1e300 to an integer is undefined.
  if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)) || std::floor(d) != d) {
    ThrowRange(env, what(), name, Num(d));
  }
  return static_cast<int>(d);
}

bool ReadBool(const Napi::Value& value, const char* name, bool fallback) {
  if (value.IsUndefined()) return fallback;
  if (!value.IsBoolean()) ThrowType(value.Env(), "a boolean", name, value);
  return value.As<Napi::Boolean>().Value();
}

ImageShape ReadImageShape(const Napi::Value& image) {
  Napi::Env env = image.Env();
  if (!image.IsObject() || image.IsArray() || image.IsTypedArray() || image.IsFunction()) {
    ThrowType(env, "an object { data, width, height, channels, order?, stride? }", "image", image);
  }
  Napi::Object obj = image.As<Napi::Object>();
  ImageShape s;
  s.width = ReadInt(obj.Get("width"), "image.width", 1, kMaxSide);
  s.height = ReadInt(obj.Get("height"), "image.height", 1, kMaxSide);
  if (static_cast<std::uint64_t>(s.width) * static_cast<std::uint64_t>(s.height) > kMaxPixels) {
    ThrowRange(env, "at most " + std::to_string(kMaxPixels) + " pixels", "image.width * image.height",
               std::to_string(static_cast<std::uint64_t>(s.width) * static_cast<std::uint64_t>(s.height)));
  }
  Napi::Value channels = obj.Get("channels");
  if (!channels.IsNumber()) ThrowType(env, "1, 3 or 4", "image.channels", channels);
  const double c = channels.As<Napi::Number>().DoubleValue();
  if (c != 1 && c != 3 && c != 4) ThrowRange(env, "1, 3 or 4", "image.channels", Num(c));
  s.channels = static_cast<int>(c);
  s.order = ParseOrder(obj.Get("order"), s.channels);
  const std::uint64_t packed = static_cast<std::uint64_t>(s.width) * static_cast<std::uint64_t>(s.channels);
  Napi::Value stride = obj.Get("stride");
  if (stride.IsUndefined()) {
    s.stride = packed;
  } else {
    // 2^31 bytes per row is far above width * 4 for any allowed width.
    s.stride = static_cast<std::uint64_t>(ReadInt(stride, "image.stride", 1, 0x7fffffff));
    if (s.stride < packed) {
      ThrowRange(env, "at least width * channels = " + std::to_string(packed) + " bytes", "image.stride",
                 std::to_string(s.stride));
    }
  }
  s.data = obj.Get("data");
  return s;
}

kernels::ImageView ResolveImage(const ImageShape& shape) {
  Napi::Env env = shape.data.Env();
  const char* what = "a Uint8Array, Uint8ClampedArray or Buffer";
  if (!shape.data.IsTypedArray()) ThrowType(env, what, "image.data", shape.data);
  Napi::TypedArray ta = shape.data.As<Napi::TypedArray>();
  const napi_typedarray_type type = ta.TypedArrayType();
  if (type != napi_uint8_array && type != napi_uint8_clamped_array) ThrowType(env, what, "image.data", shape.data);
  // Data() of a TypedArrayOf already points at byteOffset; a detached buffer has length 0.
  const Napi::Uint8Array bytes = shape.data.As<Napi::Uint8Array>();
  const std::uint64_t have = bytes.ByteLength();
  const bool planar = shape.order == kernels::PixelOrder::I420;
  const std::uint64_t need =
      planar ? static_cast<std::uint64_t>(kernels::I420Bytes(static_cast<std::size_t>(shape.stride), shape.width, shape.height))
             : static_cast<std::uint64_t>(shape.height - 1) * shape.stride +
                   static_cast<std::uint64_t>(shape.width) * static_cast<std::uint64_t>(shape.channels);
  if (have < need || bytes.Data() == nullptr) {
    ThrowRange(env,
               std::string(planar ? "at least height * stride + 2 * ceil(width / 2) * ceil(height / 2)"
                                  : "at least (height - 1) * stride + width * channels") +
                   " = " + std::to_string(need) + " bytes",
               "image.data", std::to_string(have) + " bytes");
  }
  kernels::ImageView view;
  view.data = bytes.Data();
  view.byteLength = static_cast<std::size_t>(have);
  view.width = shape.width;
  view.height = shape.height;
  view.channels = shape.channels;
  view.order = shape.order;
  view.stride = static_cast<std::size_t>(shape.stride);
  return view;
}

void ReadCoordinates(const Napi::Value& value, const char* name, std::size_t count, Coordinates& out,
                     std::size_t multiple, std::size_t maxCount) {
  Napi::Env env = value.Env();
  const char* kinds = "an Array, Float32Array or Float64Array";
  std::size_t length = 0;
  bool typed = false;
  if (value.IsTypedArray()) {
    const napi_typedarray_type t = value.As<Napi::TypedArray>().TypedArrayType();
    if (t != napi_float64_array && t != napi_float32_array) ThrowType(env, kinds, name, value);
    length = value.As<Napi::TypedArray>().ElementLength();
    typed = true;
  } else if (value.IsArray()) {
    length = value.As<Napi::Array>().Length();
  } else {
    ThrowType(env, kinds, name, value);
  }
  const bool ok = count ? length == count : (length % multiple == 0 && length <= maxCount);
  if (!ok) {
    ThrowRange(env, count ? std::to_string(count) + " numbers (x, y pairs)" : "a multiple of " + std::to_string(multiple) + " numbers",
               name, "length " + std::to_string(length));
  }

  out.resize(length);
  if (typed) {
    // Copied right away: nothing runs between the length read and this copy.
    if (value.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
      const Napi::Float64Array a = value.As<Napi::Float64Array>();
      for (std::size_t i = 0; i < length; ++i) out[i] = a[i];
    } else {
      const Napi::Float32Array a = value.As<Napi::Float32Array>();
      for (std::size_t i = 0; i < length; ++i) out[i] = a[i];
    }
  } else {
    Napi::Array arr = value.As<Napi::Array>();
    for (std::size_t i = 0; i < length; ++i) {
      Napi::Value v = arr.Get(static_cast<std::uint32_t>(i));
      if (!v.IsNumber()) ThrowType(env, "a number", std::string(name) + "[" + std::to_string(i) + "]", v);
      out[i] = v.As<Napi::Number>().DoubleValue();
    }
  }
  for (std::size_t i = 0; i < length; ++i) {
    if (!(std::fabs(out[i]) <= kMaxCoordinate)) {
      ThrowRange(env, "a finite coordinate with |v| <= 1e6", std::string(name) + "[" + std::to_string(i) + "]", Num(out[i]));
    }
  }
}

float* ResolveOut(const Napi::Value& value, const char* name, std::uint64_t required) {
  Napi::Env env = value.Env();
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    ThrowType(env, "a Float32Array", name, value);
  }
  Napi::Float32Array out = value.As<Napi::Float32Array>();
  const std::uint64_t have = out.ElementLength();
  if (have < required || (required > 0 && out.Data() == nullptr)) {
    ThrowRange(env, "a Float32Array of at least " + std::to_string(required) + " elements", name,
               "length " + std::to_string(have));
  }
  return out.Data();
}

kernels::Rect ReadRoi(const Napi::Value& value, int width, int height) {
  Napi::Env env = value.Env();
  if (value.IsUndefined()) return {0, 0, width, height};
  if (!value.IsObject() || value.IsArray() || value.IsTypedArray() || value.IsFunction()) {
    ThrowType(env, "an object { x, y, width, height }", "roi", value);
  }
  Napi::Object o = value.As<Napi::Object>();
  kernels::Rect r;
  r.x = ReadInt(o.Get("x"), "roi.x", 0, width - 1);
  r.y = ReadInt(o.Get("y"), "roi.y", 0, height - 1);
  r.width = ReadInt(o.Get("width"), "roi.width", 1, width - r.x);
  r.height = ReadInt(o.Get("height"), "roi.height", 1, height - r.y);
  return r;
}

}  // namespace align_args
