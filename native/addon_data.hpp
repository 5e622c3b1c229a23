// Per-environment state of the addon (one per main thread or worker thread).
// Nothing in the addon is global: every class constructor and the JS error
// class live here, so the addon is safe to load in several worker threads.
#pragma once
#include <napi.h>
#include <string>
#include <unordered_map>

struct AddonData {
  // Constructors of the native classes, by JS class name.
  std::unordered_map<std::string, Napi::FunctionReference> constructors;
  // The façade's FaceReidError class, registered once by src/native.ts.
  Napi::FunctionReference errorClass;
};

inline AddonData& GetAddonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }
