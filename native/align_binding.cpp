// N-API surface of the pixel kernels: estimateSimilarity, referenceTransform,
// alignFace, alignFaces(+Async), resizeInto(+Async). Arguments are fully read and
// validated (align_args.cpp) and every landmark fit is done before a single output
// byte is written, so a failing call leaves `out` untouched.
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "align_args.hpp"
#include "errors.hpp"
#include "kernels/reference_landmarks.hpp"
#include "kernels/resize.hpp"
#include "kernels/similarity.hpp"
#include "kernels/warp.hpp"
#include "module_init.hpp"
#include "pixel_worker.hpp"

namespace {

using align_args::ReadCoordinates;
using align_args::ReadInt;

constexpr int kMaxCropSize = 1024;
constexpr std::size_t kMaxFaces = 65536;
constexpr int kMaxResizeSide = 8192;
constexpr std::int64_t kMaxIndex = 0x7fffffff;

using align_args::Coordinates;
// Similarity matrices of up to 16 faces inline.
using Matrices = align_args::Doubles<96>;

Napi::Float64Array ToFloat64Array(Napi::Env env, const double* values, std::size_t count) {
  Napi::Float64Array out = Napi::Float64Array::New(env, count);
  for (std::size_t i = 0; i < count; ++i) out[i] = values[i];
  return out;
}

kernels::ScaleRule ReadScaleRule(const Napi::Value& value) {
  if (value.IsUndefined()) return kernels::ScaleRule::RmsRatio;
  const char* what = "'rms' or 'least-squares'";
  if (!value.IsString()) {
    throw errors::Type(value.Env(), std::string("Expected ") + what + " for scale but received " + errors::Describe(value));
  }
  const std::string s = value.As<Napi::String>().Utf8Value();
  if (s == "rms") return kernels::ScaleRule::RmsRatio;
  if (s == "least-squares") return kernels::ScaleRule::LeastSquares;
  throw errors::Range(value.Env(), std::string("Expected ") + what + " for scale but received a different string");
}

[[noreturn]] void ThrowFitFailure(Napi::Env env, kernels::FitStatus status, const std::string& what) {
  if (status == kernels::FitStatus::NonFinite) {
    throw errors::Make(env, "DEGENERATE_LANDMARKS", "The similarity fit of " + what + " is not finite");
  }
  throw errors::Make(env, "DEGENERATE_LANDMARKS",
                     "The points of " + what + " have no spread (coincident, or no rotation fits): cannot align");
}

// crop -> image map for one face: reference points scaled to the crop onto its landmarks.
// `face` numbers the face in a batch for the message (-1: a single face).
void FitReference(Napi::Env env, const double* landmarks, int size, double m[6], long face) {
  double ref[2 * kernels::kLandmarkCount];
  for (int i = 0; i < 2 * kernels::kLandmarkCount; ++i) ref[i] = kernels::kReferenceLandmarks[i] * size;
  const kernels::FitStatus st = kernels::FitSimilarity(ref, landmarks, kernels::kLandmarkCount, kernels::ScaleRule::RmsRatio, m);
  if (st != kernels::FitStatus::Ok) {
    ThrowFitFailure(env, st, face < 0 ? std::string("landmarks") : "face " + std::to_string(face) + " of landmarks");
  }
}

std::uint64_t PlaneFloats(int w, int h) { return 3ull * static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h); }

// estimateSimilarity(src, dst, scale?) -> Float64Array(6) mapping src onto dst.
Napi::Value EstimateSimilarity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Coordinates src, dst;
  ReadCoordinates(info[0], "src", 0, src, 2, 2 * kMaxFaces);
  if (src.size() < 4) throw errors::Range(env, "Expected at least 2 points for src but received " + std::to_string(src.size() / 2));
  ReadCoordinates(info[1], "dst", src.size(), dst);
  const kernels::ScaleRule rule = ReadScaleRule(info[2]);
  double m[6];
  const kernels::FitStatus st = kernels::FitSimilarity(src.data(), dst.data(), src.size() / 2, rule, m);
  if (st != kernels::FitStatus::Ok) ThrowFitFailure(env, st, "src or dst");
  return ToFloat64Array(env, m, 6);
}

// referenceTransform(landmarks, size) -> the crop -> image matrix alignFace uses.
Napi::Value ReferenceTransform(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Coordinates lm;
  ReadCoordinates(info[0], "landmarks", 10, lm);
  const int size = ReadInt(info[1], "size", 1, kMaxCropSize);
  double m[6];
  FitReference(env, lm.data(), size, m, -1);
  return ToFloat64Array(env, m, 6);
}

// Parsed and fitted arguments of alignFace / alignFaces, ready for the kernel.
struct AlignJob {
  kernels::ImageView image;
  Matrices matrices;  // 6 per face
  int size = 0;
  std::uint64_t firstSlot = 0;
  float* out = nullptr;
  bool antialias = false;

  void Run() const {
    const std::size_t plane = static_cast<std::size_t>(size) * size;
    kernels::WarpOptions options;
    options.antialias = antialias;
    for (std::size_t f = 0; f < matrices.size() / 6; ++f) {
      kernels::WarpAffineToPlanes(image, &matrices[6 * f], size, kernels::SlotPlanes(out, firstSlot + f, plane), options);
    }
  }
};

// (image, landmarks, size, out, index, antialias) or, batched, (image, landmarksFlat, size, out, antialias).
AlignJob ParseAlign(const Napi::CallbackInfo& info, bool batch, Napi::Value* dataOut = nullptr) {
  Napi::Env env = info.Env();
  AlignJob job;
  const align_args::ImageShape shape = align_args::ReadImageShape(info[0]);
  Coordinates lm;
  if (batch) {
    ReadCoordinates(info[1], "landmarks", 0, lm, 10, 10 * kMaxFaces);
  } else {
    ReadCoordinates(info[1], "landmarks", 10, lm);
  }
  job.size = ReadInt(info[2], "size", 1, kMaxCropSize);
  if (batch) {
    job.antialias = align_args::ReadBool(info[4], "antialias", false);
  } else {
    job.firstSlot = info[4].IsUndefined() ? 0 : static_cast<std::uint64_t>(ReadInt(info[4], "index", 0, kMaxIndex));
    job.antialias = align_args::ReadBool(info[5], "antialias", false);
  }
  const std::size_t faces = lm.size() / 10;
  job.matrices.resize(6 * faces);
  for (std::size_t f = 0; f < faces; ++f) {
    FitReference(env, &lm[10 * f], job.size, &job.matrices[6 * f], batch ? static_cast<long>(f) : -1);
  }
  // Buffers last: no JS runs between these checks and the kernel.
  job.image = align_args::ResolveImage(shape);
  const std::uint64_t required = (job.firstSlot + faces) * PlaneFloats(job.size, job.size);
  job.out = align_args::ResolveOut(info[3], "out", required);
  if (dataOut) *dataOut = shape.data;
  return job;
}

Napi::Value AlignFace(const Napi::CallbackInfo& info) {
  const AlignJob job = ParseAlign(info, false);
  job.Run();
  return ToFloat64Array(info.Env(), job.matrices.data(), job.matrices.size());
}

Napi::Value AlignFaces(const Napi::CallbackInfo& info) {
  const AlignJob job = ParseAlign(info, true);
  job.Run();
  return ToFloat64Array(info.Env(), job.matrices.data(), job.matrices.size());
}

Napi::Value AlignFacesAsync(const Napi::CallbackInfo& info) {
  Napi::Value data;  // the very array ResolveImage checked (a getter could return another one)
  AlignJob job = ParseAlign(info, true, &data);
  std::vector<double> matrices(job.matrices.data(), job.matrices.data() + job.matrices.size());
  return PixelWorker::Start(info.Env(), "ovFaceReid.alignFaces", [job]() { job.Run(); }, std::move(matrices), false,
                            {data, info[3]});
}

struct ResizeJob {
  kernels::ImageView image;
  kernels::Rect roi;
  int width = 0;
  int height = 0;
  std::uint64_t slot = 0;
  float* out = nullptr;

  void Run() const {
    const std::size_t plane = static_cast<std::size_t>(width) * height;
    kernels::ResizeToPlanes(image, roi, width, height, kernels::SlotPlanes(out, slot, plane));
  }
};

// (image, out, width, height, index?, roi?)
ResizeJob ParseResize(const Napi::CallbackInfo& info, Napi::Value* dataOut) {
  ResizeJob job;
  const align_args::ImageShape shape = align_args::ReadImageShape(info[0]);
  job.width = ReadInt(info[2], "width", 1, kMaxResizeSide);
  job.height = ReadInt(info[3], "height", 1, kMaxResizeSide);
  job.slot = info[4].IsUndefined() ? 0 : static_cast<std::uint64_t>(ReadInt(info[4], "index", 0, kMaxIndex));
  job.roi = align_args::ReadRoi(info[5], shape.width, shape.height);
  job.image = align_args::ResolveImage(shape);
  job.out = align_args::ResolveOut(info[1], "out", (job.slot + 1) * PlaneFloats(job.width, job.height));
  if (dataOut) *dataOut = shape.data;
  return job;
}

Napi::Value ResizeInto(const Napi::CallbackInfo& info) {
  ParseResize(info, nullptr).Run();
  return info.Env().Undefined();
}

Napi::Value ResizeIntoAsync(const Napi::CallbackInfo& info) {
  Napi::Value data;
  const ResizeJob job = ParseResize(info, &data);
  return PixelWorker::Start(info.Env(), "ovFaceReid.resizeInto", [job]() { job.Run(); }, {}, true, {data, info[1]});
}

}  // namespace

void InitAlign(Napi::Env env, Napi::Object exports) {
  exports.Set("estimateSimilarity", Napi::Function::New(env, EstimateSimilarity, "estimateSimilarity"));
  exports.Set("referenceTransform", Napi::Function::New(env, ReferenceTransform, "referenceTransform"));
  exports.Set("alignFace", Napi::Function::New(env, AlignFace, "alignFace"));
  exports.Set("alignFaces", Napi::Function::New(env, AlignFaces, "alignFaces"));
  exports.Set("alignFacesAsync", Napi::Function::New(env, AlignFacesAsync, "alignFacesAsync"));
  exports.Set("resizeInto", Napi::Function::New(env, ResizeInto, "resizeInto"));
  exports.Set("resizeIntoAsync", Napi::Function::New(env, ResizeIntoAsync, "resizeIntoAsync"));
}
