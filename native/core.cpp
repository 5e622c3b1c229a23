#include "core.hpp"

#include <cmath>

#include "addon_data.hpp"
#include "compiled_model.hpp"
#include "errors.hpp"
#include "ov_js.hpp"

namespace {

std::string RequireString(Napi::Env env, const Napi::Object& obj, const char* key) {
  Napi::Value value = obj.Get(key);
  if (!value.IsString()) throw errors::Type(env, std::string("Expected a string for ") + key + " but received " + errors::Describe(value));
  return value.As<Napi::String>().Utf8Value();
}

// Copies a compile request out of JS values (the façade has validated it already;
// this re-checks what a direct caller of the raw binding could get wrong).
CompileSpec ReadSpec(Napi::Env env, const Napi::Value& arg) {
  if (!arg.IsObject()) throw errors::Type(env, "Expected an object for options but received " + errors::Describe(arg));
  Napi::Object obj = arg.As<Napi::Object>();
  CompileSpec spec;
  Napi::Value xml = obj.Get("xml");
  Napi::Value bin = obj.Get("bin");
  if (xml.IsString()) {
    spec.xmlPath = xml.As<Napi::String>().Utf8Value();
    if (bin.IsString()) {
      spec.binPath = bin.As<Napi::String>().Utf8Value();
    } else if (!bin.IsUndefined()) {
      throw errors::Type(env, "Expected a string for bin (with xml given as a path) but received " + errors::Describe(bin));
    }
  } else if (xml.IsTypedArray() && xml.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    Napi::Uint8Array bytes = xml.As<Napi::Uint8Array>();
    spec.fromMemory = true;
    spec.xmlText.assign(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
    if (bin.IsTypedArray() && bin.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
      Napi::Uint8Array weights = bin.As<Napi::Uint8Array>();
      spec.weights = std::make_shared<std::vector<uint8_t>>(weights.Data(), weights.Data() + weights.ByteLength());
    } else if (!bin.IsUndefined()) {
      throw errors::Type(env, "Expected a Uint8Array for bin (with xml given as bytes) but received " + errors::Describe(bin));
    }
  } else {
    throw errors::Type(env, "Expected a path or a Uint8Array for xml but received " + errors::Describe(xml));
  }
  spec.device = RequireString(env, obj, "device");
  Napi::Value config = obj.Get("config");
  if (!config.IsArray()) throw errors::Type(env, "Expected an array of [key, value] for config but received " + errors::Describe(config));
  Napi::Array pairs = config.As<Napi::Array>();
  if (pairs.Length() > kMaxConfigPairs) {
    throw errors::Range(env, "Expected at most " + std::to_string(kMaxConfigPairs) + " entries for config but received " +
                                 std::to_string(pairs.Length()));
  }
  for (uint32_t i = 0; i < pairs.Length(); ++i) {
    Napi::Value pair = pairs.Get(i);
    if (!pair.IsArray() || pair.As<Napi::Array>().Length() != 2 || !pair.As<Napi::Array>().Get(0u).IsString() ||
        !pair.As<Napi::Array>().Get(1u).IsString()) {
      throw errors::Type(env, "Expected a [string, string] pair for config[" + std::to_string(i) + "] but received " +
                                  errors::Describe(pair));
    }
    Napi::Array kv = pair.As<Napi::Array>();
    spec.config.emplace_back(kv.Get(0u).As<Napi::String>().Utf8Value(), kv.Get(1u).As<Napi::String>().Utf8Value());
  }
  Napi::Value batch = obj.Get("batch");
  if (!batch.IsUndefined()) {
    double b = batch.IsNumber() ? batch.As<Napi::Number>().DoubleValue() : NAN;
    if (!(b >= 1 && b <= 65536 && std::floor(b) == b)) {
      throw errors::Range(env, "Expected an integer from 1 to 65536 for batch but received " + errors::Describe(batch));
    }
    spec.batch = static_cast<int64_t>(b);
  }
  Napi::Value size = obj.Get("imageSize");
  if (!size.IsUndefined()) {
    if (!size.IsArray() || size.As<Napi::Array>().Length() != 2) {
      throw errors::Type(env, "Expected [width, height] for imageSize but received " + errors::Describe(size));
    }
    int64_t dims[2];
    for (uint32_t k = 0; k < 2; ++k) {
      Napi::Value v = size.As<Napi::Array>().Get(k);
      double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
      if (!(d >= 1 && d <= 16384 && std::floor(d) == d)) {
        throw errors::Range(env, std::string("Expected an integer from 1 to 16384 for imageSize[") + (k ? "1" : "0") + "] but received " +
                                     errors::Describe(v));
      }
      dims[k] = static_cast<int64_t>(d);
    }
    spec.width = dims[0];
    spec.height = dims[1];
  }
  return spec;
}

// Compiles off the JS thread; the spec is plain C++ data owned by the worker.
class CompileWorker : public Napi::AsyncWorker {
 public:
  CompileWorker(Napi::Env env, Core* owner, Napi::Object ownerObject, const ov::Api& api, ov::Core* core, CompileSpec spec)
      : Napi::AsyncWorker(env, "faceReid.compileModel"),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        ownerRef_(Napi::Persistent(ownerObject)),
        api_(api),
        core_(core),
        spec_(std::move(spec)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { outcome_ = CompileModel(api_, core_, spec_); }

  void OnOK() override {
    Napi::Env env = Env();
    owner_->CompileFinished();
    if (outcome_.compiled == nullptr) {
      deferred_.Reject(ovjs::ToJs(env, outcome_.error, outcome_.stage).Value());
      return;
    }
    try {
      deferred_.Resolve(CompiledModel::Create(env, api_, outcome_.compiled, spec_));
    } catch (const Napi::Error& err) {
      deferred_.Reject(err.Value());
    }
  }

  void OnError(const Napi::Error& err) override {
    owner_->CompileFinished();
    deferred_.Reject(err.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Core* owner_;
  Napi::ObjectReference ownerRef_;  // keeps the Core (and its handle) alive while compiling
  const ov::Api& api_;
  ov::Core* core_;
  CompileSpec spec_;
  CompileOutcome outcome_;
};

}  // namespace

void Core::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "Core",
                                    {InstanceMethod<&Core::Devices>("devices"), InstanceMethod<&Core::Compile>("compile"),
                                     InstanceMethod<&Core::CompileAsync>("compileAsync"), InstanceMethod<&Core::Close>("close")});
  GetAddonData(env).constructors["Core"] = Napi::Persistent(ctor);
  exports.Set("Core", ctor);
}

Core::Core(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Core>(info) {
  Napi::Env env = info.Env();
  api_ = &ovjs::RequireRuntime(env);
  ov::Error err;
  if (!ov::Try(*api_, err, [&] { return api_->core_create(&core_); })) {
    throw ovjs::ToJs(env, err, "Cannot create the OpenVINO core");
  }
}

Core::~Core() { Release(); }

void Core::Release() {
  if (core_ != nullptr) {
    api_->core_free(core_);
    core_ = nullptr;
  }
}

void Core::EnsureOpen(Napi::Env env) const {
  if (closed_) throw errors::Make(env, "CLOSED", "The OpenVINO core is closed");
}

void Core::CompileFinished() {
  if (--compiling_ == 0 && closed_) Release();
}

Napi::Value Core::Devices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureOpen(env);
  ov::AvailableDevices devices{nullptr, 0};
  ov::Error err;
  if (!ov::Try(*api_, err, [&] { return api_->core_get_available_devices(core_, &devices); })) {
    throw ovjs::ToJs(env, err, "Cannot list the OpenVINO devices");
  }
  Napi::Array list = Napi::Array::New(env, devices.size);
  for (size_t i = 0; i < devices.size; ++i) {
    Napi::Object entry = Napi::Object::New(env);
    std::string name = devices.devices[i];
    entry.Set("name", name);
    char* fullName = nullptr;
    ov::Error ignored;
    // A device that cannot report its full name is still listed, under its short name.
    if (ov::Try(*api_, ignored, [&] { return api_->core_get_property(core_, name.c_str(), "FULL_DEVICE_NAME", &fullName); })) {
      entry.Set("fullName", fullName);
      api_->free(fullName);
    } else {
      entry.Set("fullName", name);
    }
    list.Set(i, entry);
  }
  api_->available_devices_free(&devices);
  return list;
}

Napi::Value Core::Compile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureOpen(env);
  CompileSpec spec = ReadSpec(env, info[0]);
  CompileOutcome outcome = CompileModel(*api_, core_, spec);
  if (outcome.compiled == nullptr) throw ovjs::ToJs(env, outcome.error, outcome.stage);
  return CompiledModel::Create(env, *api_, outcome.compiled, spec);
}

Napi::Value Core::CompileAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureOpen(env);
  CompileSpec spec = ReadSpec(env, info[0]);
  auto* worker = new CompileWorker(env, this, Value(), *api_, core_, std::move(spec));
  Napi::Promise promise = worker->Promise();
  ++compiling_;
  worker->Queue();
  return promise;
}

Napi::Value Core::Close(const Napi::CallbackInfo& info) {
  closed_ = true;
  if (compiling_ == 0) Release();
  return info.Env().Undefined();
}
