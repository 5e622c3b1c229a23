#include "buffer_loans.hpp"

#include <utility>

#include "addon_data.hpp"
#include "errors.hpp"

const void* BufferLoans::BackingStart(Napi::Value value) {
  napi_env env = value.Env();
  napi_value buffer = value;
  bool isTyped = false;
  if (napi_is_typedarray(env, value, &isTyped) != napi_ok) return nullptr;
  if (isTyped) {
    size_t offset = 0;
    if (napi_get_typedarray_info(env, value, nullptr, nullptr, nullptr, &buffer, &offset) != napi_ok) return nullptr;
  }
  bool isBuffer = false;  // false for a SharedArrayBuffer: it cannot be detached, so it needs no loan
  if (napi_is_arraybuffer(env, buffer, &isBuffer) != napi_ok || !isBuffer) return nullptr;
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_arraybuffer_info(env, buffer, &data, &length) != napi_ok || length == 0) return nullptr;
  return data;
}

void BufferLoans::Lend(const void* start) {
  if (start) ++counts_[start];
}

void BufferLoans::Return(const void* start) {
  auto it = counts_.find(start);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

bool BufferLoans::OnLoan(const void* start) const { return counts_.count(start) != 0; }

std::shared_ptr<BufferLoans> LoansOf(Napi::Env env) { return GetAddonData(env).loans; }

LoanSet::LoanSet(Napi::Env env, const std::vector<Napi::Value>& values) : loans_(LoansOf(env)) {
  for (const Napi::Value& v : values) {
    const void* start = BufferLoans::BackingStart(v);
    if (!start) continue;
    loans_->Lend(start);
    starts_.push_back(start);
  }
}

LoanSet& LoanSet::operator=(LoanSet&& other) noexcept {
  if (this != &other) {
    ReturnAll();
    loans_ = std::move(other.loans_);
    starts_ = std::move(other.starts_);
  }
  return *this;
}

LoanSet::~LoanSet() { ReturnAll(); }

void LoanSet::ReturnAll() {
  if (loans_)
    for (const void* start : starts_) loans_->Return(start);
  starts_.clear();
}

namespace {

// Why: a decoded frame is megabytes of memory outside the JS heap that V8 only frees when it
// collects the Buffer; a frame per request makes it run a full collection every few frames.
// Returns true when the memory was freed (the view and every other view of it are then empty).
Napi::Value ReleasePixels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsTypedArray()) {
    throw errors::Type(env, "Expected a Uint8Array for pixels but received " +
                                (info.Length() ? errors::Describe(info[0]) : std::string("nothing")));
  }
  Napi::TypedArray view = info[0].As<Napi::TypedArray>();
  if (view.TypedArrayType() != napi_uint8_array && view.TypedArrayType() != napi_uint8_clamped_array) {
    throw errors::Type(env, "Expected a Uint8Array for pixels but received " + errors::Describe(info[0]));
  }
  napi_value buffer = nullptr;
  size_t offset = 0;
  size_t length = 0;
  if (napi_get_typedarray_info(env, view, nullptr, &length, nullptr, &buffer, &offset) != napi_ok) return Napi::Boolean::New(env, false);
  bool isBuffer = false;
  if (napi_is_arraybuffer(env, buffer, &isBuffer) != napi_ok || !isBuffer) return Napi::Boolean::New(env, false);
  void* data = nullptr;
  size_t bufferLength = 0;
  if (napi_get_arraybuffer_info(env, buffer, &data, &bufferLength) != napi_ok) return Napi::Boolean::New(env, false);
  // Only a view of the whole buffer: a slice of a pool or of a caller's larger buffer is not ours to end.
  if (bufferLength == 0 || offset != 0 || length != bufferLength) return Napi::Boolean::New(env, false);
  if (GetAddonData(env).loans->OnLoan(data)) return Napi::Boolean::New(env, false);
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok || detached) return Napi::Boolean::New(env, false);
  // Not detachable (a WebAssembly memory, say): an answer, not an exception.
  const bool freed = napi_detach_arraybuffer(env, buffer) == napi_ok;
  if (!freed && env.IsExceptionPending()) env.GetAndClearPendingException();
  return Napi::Boolean::New(env, freed);
}

}  // namespace

void InitBufferRelease(Napi::Env env, Napi::Object exports) {
  exports.Set("releasePixels", Napi::Function::New(env, ReleasePixels, "releasePixels"));
}
