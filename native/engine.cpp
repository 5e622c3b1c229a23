// The OpenVINO engine's exports: runtime loading and the three native classes.
#include "addon_data.hpp"
#include "compiled_model.hpp"
#include "core.hpp"
#include "errors.hpp"
#include "infer_request.hpp"
#include "module_init.hpp"
#include "ov_api.hpp"

namespace {

// openRuntime(path) -> { libraryPath, version }; throws a FaceReidError
// (RUNTIME_NOT_FOUND, RUNTIME_SYMBOL_MISSING, RUNTIME_VERSION_UNSUPPORTED, RUNTIME_CONFLICT).
Napi::Value OpenRuntime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsString()) {
    throw errors::Type(env, "Expected a string for libraryPath but received " +
                                (info.Length() ? errors::Describe(info[0]) : std::string("undefined")));
  }
  ov::LoadResult result = ov::Load(info[0].As<Napi::String>().Utf8Value());
  if (result.api == nullptr) throw errors::Make(env, result.code, result.message);
  Napi::Object out = Napi::Object::New(env);
  out.Set("libraryPath", result.path);
  out.Set("version", result.version);
  return out;
}

}  // namespace

void InitEngine(Napi::Env env, Napi::Object exports) {
  exports.Set("openRuntime", Napi::Function::New(env, OpenRuntime, "openRuntime"));
  Core::Init(env, exports);
  CompiledModel::Init(env, exports);
  InferRequest::Init(env, exports);
}
