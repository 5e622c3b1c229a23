// Per-environment state of the addon (one per main thread or worker thread).
// Nothing in the addon is global: every class constructor and the JS error
// class live here, so the addon is safe to load in several worker threads.
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "buffer_loans.hpp"

struct AddonData {
  // Constructors of the native classes, by JS class name.
  std::unordered_map<std::string, Napi::FunctionReference> constructors;
  // The façade's FaceReidError class, registered once by src/native.ts.
  Napi::FunctionReference errorClass;
  // Buffers native work is using now (pixel jobs, bound input tensors): never released early.
  std::shared_ptr<BufferLoans> loans = std::make_shared<BufferLoans>();
};

inline AddonData& GetAddonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }
