// JS class Core: one OpenVINO core (device discovery, model compilation).
#pragma once
#include <napi.h>

#include "compile.hpp"
#include "ov_api.hpp"

class Core : public Napi::ObjectWrap<Core> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit Core(const Napi::CallbackInfo& info);
  ~Core() override;

  // Called by the compile worker when it finishes, on the JS thread.
  void CompileFinished();

 private:
  Napi::Value Devices(const Napi::CallbackInfo& info);
  Napi::Value Compile(const Napi::CallbackInfo& info);
  Napi::Value CompileAsync(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  void EnsureOpen(Napi::Env env) const;
  void Release();

  const ov::Api* api_ = nullptr;
  ov::Core* core_ = nullptr;
  bool closed_ = false;
  int compiling_ = 0;  // async compilations in flight: the core is freed only after them
};
