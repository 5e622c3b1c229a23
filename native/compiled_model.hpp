// JS class CompiledModel: a model compiled for a device; makes infer requests.
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "compile.hpp"
#include "ov_api.hpp"
#include "ov_js.hpp"

// What a compiled model and its infer requests share. The OpenVINO handle is freed
// with the last holder, so closing a CompiledModel never pulls the model out from
// under a request that still runs.
struct ModelShared {
  const ov::Api* api = nullptr;
  ov::CompiledModel* handle = nullptr;
  std::shared_ptr<std::vector<uint8_t>> weights;  // in-memory weights the model may still read
  std::vector<ovjs::Port> inputs;
  std::vector<ovjs::Port> outputs;
  std::string device;
  ~ModelShared();
};

class CompiledModel : public Napi::ObjectWrap<CompiledModel> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  // Wraps a freshly compiled handle (taking ownership, also on failure).
  static Napi::Object Create(Napi::Env env, const ov::Api& api, ov::CompiledModel* handle, const CompileSpec& spec);
  explicit CompiledModel(const Napi::CallbackInfo& info);

 private:
  Napi::Value Inputs(const Napi::CallbackInfo& info);
  Napi::Value Outputs(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value GetProperty(const Napi::CallbackInfo& info);
  Napi::Value CreateInferRequest(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  const ModelShared& Open(Napi::Env env) const;

  std::shared_ptr<ModelShared> model_;
};
