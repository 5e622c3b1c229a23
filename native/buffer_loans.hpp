// Which ArrayBuffers native work holds raw pointers into right now: a pixel job on the libuv
// pool, an input tensor bound to an infer request. releasePixels consults it so that freeing a
// frame's memory early can never pull it from under a reader; nothing else frees or detaches.
#pragma once
#include <napi.h>

#include <memory>
#include <unordered_map>
#include <vector>

class BufferLoans {
 public:
  // The start of the ArrayBuffer behind a typed array or ArrayBuffer value, or nullptr
  // (SharedArrayBuffer views, detached or empty buffers, anything else).
  static const void* BackingStart(Napi::Value value);

  void Lend(const void* start);
  void Return(const void* start);
  bool OnLoan(const void* start) const;

 private:
  std::unordered_map<const void*, int> counts_;
};

// The loans of one environment, shared by whoever lends, so a worker or an infer request that
// outlives the per-environment data still returns its loans into live memory.
std::shared_ptr<BufferLoans> LoansOf(Napi::Env env);

// Lends every buffer behind `values` for the lifetime of this object (the JS thread only).
class LoanSet {
 public:
  LoanSet() = default;
  LoanSet(Napi::Env env, const std::vector<Napi::Value>& values);
  LoanSet(const LoanSet&) = delete;
  LoanSet& operator=(const LoanSet&) = delete;
  LoanSet(LoanSet&& other) noexcept = default;
  LoanSet& operator=(LoanSet&& other) noexcept;
  ~LoanSet();

 private:
  void ReturnAll();
  std::shared_ptr<BufferLoans> loans_;
  std::vector<const void*> starts_;
};

// exports.releasePixels(view): frees the memory of a Uint8Array that owns its whole
// ArrayBuffer, now instead of at the next garbage collection, unless native work is using it.
void InitBufferRelease(Napi::Env env, Napi::Object exports);
