// Module entry: creates the per-environment data and lets each part of the
// addon register its functions and classes on `exports`.
#include <napi.h>

#include "addon_data.hpp"
#include "buffer_loans.hpp"
#include "errors.hpp"
#include "module_init.hpp"

namespace {

// Called once by src/native.ts so that C++ can construct the façade's error class.
Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsFunction()) {
    throw errors::Type(env, "Expected a class for errorClass but received " +
                                (info.Length() ? errors::Describe(info[0]) : std::string("nothing")));
  }
  GetAddonData(env).errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
  InitEngine(env, exports);
  InitAlign(env, exports);
  InitBufferRelease(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ov_face_reid, Init)
