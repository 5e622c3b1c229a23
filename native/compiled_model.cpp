#include "compiled_model.hpp"

#include "addon_data.hpp"
#include "errors.hpp"
#include "infer_request.hpp"

ModelShared::~ModelShared() {
  if (handle != nullptr) api->compiled_model_free(handle);
}

namespace {

bool ReadPorts(const ov::Api& api, ModelShared& model, ov::Error& err) {
  size_t inputs = 0, outputs = 0;
  if (!ov::Try(api, err, [&] { return api.compiled_model_inputs_size(model.handle, &inputs); })) return false;
  if (!ov::Try(api, err, [&] { return api.compiled_model_outputs_size(model.handle, &outputs); })) return false;
  for (size_t i = 0; i < inputs; ++i) {
    ov::ConstPort* port = nullptr;
    ovjs::Port info;
    if (!ov::Try(api, err, [&] { return api.compiled_model_input_by_index(model.handle, i, &port); })) return false;
    if (!ovjs::Describe(api, port, info, err)) return false;
    model.inputs.push_back(std::move(info));
  }
  for (size_t i = 0; i < outputs; ++i) {
    ov::ConstPort* port = nullptr;
    ovjs::Port info;
    if (!ov::Try(api, err, [&] { return api.compiled_model_output_by_index(model.handle, i, &port); })) return false;
    if (!ovjs::Describe(api, port, info, err)) return false;
    model.outputs.push_back(std::move(info));
  }
  return true;
}

Napi::Array PortsToJs(Napi::Env env, const std::vector<ovjs::Port>& ports) {
  Napi::Array list = Napi::Array::New(env, ports.size());
  for (size_t i = 0; i < ports.size(); ++i) list.Set(i, ovjs::PortToJs(env, ports[i]));
  return list;
}

}  // namespace

void CompiledModel::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "CompiledModel",
                                    {InstanceMethod<&CompiledModel::Inputs>("inputs"),
                                     InstanceMethod<&CompiledModel::Outputs>("outputs"),
                                     InstanceMethod<&CompiledModel::Device>("device"),
                                     InstanceMethod<&CompiledModel::GetProperty>("getProperty"),
                                     InstanceMethod<&CompiledModel::CreateInferRequest>("createInferRequest"),
                                     InstanceMethod<&CompiledModel::Close>("close")});
  GetAddonData(env).constructors["CompiledModel"] = Napi::Persistent(ctor);
  exports.Set("CompiledModel", ctor);
}

Napi::Object CompiledModel::Create(Napi::Env env, const ov::Api& api, ov::CompiledModel* handle, const CompileSpec& spec) {
  auto model = std::make_shared<ModelShared>();
  model->api = &api;
  model->handle = handle;
  model->weights = spec.weights;
  model->device = spec.device;
  ov::Error err;
  if (!ReadPorts(api, *model, err)) throw ovjs::ToJs(env, err, "Cannot describe the compiled model's ports");
  // The shared state travels to the constructor inside an External: JS cannot forge one.
  auto* carrier = new std::shared_ptr<ModelShared>(std::move(model));
  Napi::External<std::shared_ptr<ModelShared>> external =
      Napi::External<std::shared_ptr<ModelShared>>::New(env, carrier, [](Napi::Env, std::shared_ptr<ModelShared>* p) { delete p; });
  return GetAddonData(env).constructors["CompiledModel"].New({external});
}

CompiledModel::CompiledModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CompiledModel>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw errors::Type(info.Env(), "CompiledModel cannot be constructed directly: use openvino.compileModel()");
  }
  model_ = *info[0].As<Napi::External<std::shared_ptr<ModelShared>>>().Data();
}

const ModelShared& CompiledModel::Open(Napi::Env env) const {
  if (!model_) throw errors::Make(env, "CLOSED", "The compiled model is closed");
  return *model_;
}

Napi::Value CompiledModel::Inputs(const Napi::CallbackInfo& info) { return PortsToJs(info.Env(), Open(info.Env()).inputs); }

Napi::Value CompiledModel::Outputs(const Napi::CallbackInfo& info) { return PortsToJs(info.Env(), Open(info.Env()).outputs); }

Napi::Value CompiledModel::Device(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), Open(info.Env()).device); }

Napi::Value CompiledModel::GetProperty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ModelShared& model = Open(env);
  if (info.Length() < 1 || !info[0].IsString()) {
    throw errors::Type(env, "Expected a string for name but received " + (info.Length() ? errors::Describe(info[0]) : std::string("undefined")));
  }
  std::string key = info[0].As<Napi::String>().Utf8Value();
  char* value = nullptr;
  ov::Error err;
  if (!ov::Try(*model.api, err, [&] { return model.api->compiled_model_get_property(model.handle, key.c_str(), &value); })) {
    throw ovjs::ToJs(env, err, "Cannot read property " + key);
  }
  Napi::String result = Napi::String::New(env, value ? value : "");
  model.api->free(value);
  return result;
}

Napi::Value CompiledModel::CreateInferRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Open(env);
  return InferRequest::Create(env, model_);
}

Napi::Value CompiledModel::Close(const Napi::CallbackInfo& info) {
  model_.reset();
  return info.Env().Undefined();
}
