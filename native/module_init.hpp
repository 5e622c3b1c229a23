// The parts of the addon, each registering its exports from addon.cc.
#pragma once
#include <napi.h>

// OpenVINO engine: runtime loading, Core, CompiledModel, InferRequest (engine.cpp).
void InitEngine(Napi::Env env, Napi::Object exports);
// Pixel work: similarity fit, face alignment, resize into tensors (align_binding.cpp).
void InitAlign(Napi::Env env, Napi::Object exports);
