#include "infer_request.hpp"

#include <cstring>

#include "addon_data.hpp"
#include "errors.hpp"

namespace {

std::string PortLabel(const ovjs::Port& port, size_t index) {
  return port.name.empty() ? "input #" + std::to_string(index) : "input \"" + port.name + "\"";
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return text + "]";
}

// The element type name a JS typed array kind carries, as OpenVINO names it.
const char* ArrayTypeName(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: break;
  }
  return "typed array";
}

// The typed array OpenVINO output bytes are copied into.
Napi::Value MakeArray(Napi::Env env, napi_typedarray_type type, Napi::ArrayBuffer buffer, size_t length) {
  napi_value out = nullptr;
  napi_status status = napi_create_typedarray(env, type, length, buffer, 0, &out);
  NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  return Napi::Value(env, out);
}

}  // namespace

void InferRequest::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "InferRequest",
                                    {InstanceMethod<&InferRequest::SetInput>("setInput"),
                                     InstanceMethod<&InferRequest::InferSync>("inferSync"),
                                     InstanceMethod<&InferRequest::InferAsync>("infer"),
                                     InstanceMethod<&InferRequest::Busy>("busy"),
                                     InstanceMethod<&InferRequest::Close>("close")});
  GetAddonData(env).constructors["InferRequest"] = Napi::Persistent(ctor);
  exports.Set("InferRequest", ctor);
}

Napi::Object InferRequest::Create(Napi::Env env, const std::shared_ptr<ModelShared>& model) {
  auto* carrier = new std::shared_ptr<ModelShared>(model);
  auto external = Napi::External<std::shared_ptr<ModelShared>>::New(env, carrier, [](Napi::Env, std::shared_ptr<ModelShared>* p) { delete p; });
  return GetAddonData(env).constructors["InferRequest"].New({external});
}

InferRequest::InferRequest(const Napi::CallbackInfo& info) : Napi::ObjectWrap<InferRequest>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw errors::Type(env, "InferRequest cannot be constructed directly: use compiledModel.createInferRequest()");
  }
  model_ = *info[0].As<Napi::External<std::shared_ptr<ModelShared>>>().Data();
  api_ = model_->api;
  ov::Error err;
  if (!ov::Try(*api_, err, [&] { return api_->compiled_model_create_infer_request(model_->handle, &request_); })) {
    throw ovjs::ToJs(env, err, "Cannot create an infer request");
  }
  callback_ = std::make_unique<ov::Callback>(ov::Callback{&InferRequest::OnDone, this});
  if (!ov::Try(*api_, err, [&] { return api_->infer_request_set_callback(request_, callback_.get()); })) {
    Release();
    throw ovjs::ToJs(env, err, "Cannot set the infer request's completion callback");
  }
  bindings_.resize(model_->inputs.size());
  // One thread-safe function per request, referenced only while an inference is in
  // flight so that an idle request never keeps the process alive.
  tsfnState_ = new TsfnState();
  tsfn_ = CompletionTsfn::New(env, "faceReid.infer", 0, 1, tsfnState_,
                              [](Napi::Env, void*, TsfnState* state) {
                                if (state->ownerGone) {
                                  delete state;
                                } else {
                                  state->finalized = true;
                                }
                              },
                              static_cast<void*>(nullptr));
  tsfn_.Unref(env);
}

InferRequest::~InferRequest() { Release(); }

void InferRequest::Release() {
  if (request_ != nullptr) {
    // Only reachable with an inference in flight when the environment is torn down:
    // let it finish so OpenVINO never touches freed memory.
    if (busy_) api_->infer_request_wait(request_);
    api_->infer_request_free(request_);
    request_ = nullptr;
  }
  if (tsfnState_ != nullptr) {
    // At environment teardown the TSFN can already be gone: releasing it then would
    // touch freed memory.
    if (tsfnState_->finalized) {
      delete tsfnState_;
    } else {
      tsfnState_->ownerGone = true;
      tsfn_.Release();
    }
    tsfnState_ = nullptr;
    tsfn_ = CompletionTsfn();
  }
  bindings_.clear();
}

// OpenVINO thread: no N-API here, only a hop to the JS thread.
void InferRequest::OnDone(void* self) {
  auto* request = static_cast<InferRequest*>(self);
  request->tsfn_.NonBlockingCall(request);
}

void InferRequest::CallComplete(Napi::Env env, Napi::Function, TsfnState*, InferRequest* request) {
  if (env == nullptr) return;
  try {
    request->Complete(env);
  } catch (const Napi::Error&) {
    // Only when the environment is shutting down (a worker terminated mid-inference):
    // JS can no longer run, and the request is freed with the environment.
  }
}

void InferRequest::EnsureReady(Napi::Env env) const {
  if (closed_) throw errors::Make(env, "CLOSED", "The infer request is closed");
  if (busy_) throw errors::Make(env, "REQUEST_BUSY", "The infer request is busy with an inference: await it or use another request");
}

Napi::Value InferRequest::SetInput(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureReady(env);
  const auto& inputs = model_->inputs;
  double rawIndex = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(rawIndex >= 0 && rawIndex < static_cast<double>(inputs.size()) && rawIndex == static_cast<double>(static_cast<size_t>(rawIndex)))) {
    throw errors::Range(env, "Expected an input index from 0 to " + std::to_string(inputs.size() - 1) + " for index but received " +
                                 (info.Length() ? errors::Describe(info[0]) : std::string("undefined")));
  }
  size_t index = static_cast<size_t>(rawIndex);
  const ovjs::Port& port = inputs[index];
  if (info.Length() < 2 || !info[1].IsTypedArray()) {
    throw errors::Type(env, "Expected a typed array for " + PortLabel(port, index) + " but received " +
                                (info.Length() > 1 ? errors::Describe(info[1]) : std::string("undefined")));
  }
  Napi::TypedArray array = info[1].As<Napi::TypedArray>();
  const ovjs::ElementInfo* element = ovjs::Element(port.type);
  if (element == nullptr || !port.isStatic) {
    throw errors::Make(env, "INPUT_MISMATCH", PortLabel(port, index) + " has element type " + ovjs::ElementName(port.type) +
                                                  " and shape " + ShapeText(port.shape) + ", which cannot be fed from JS");
  }
  if (array.TypedArrayType() != element->array) {
    throw errors::Make(env, "INPUT_MISMATCH", PortLabel(port, index) + " expects " + element->name + " data (a " +
                                                  ArrayTypeName(element->array) + ") but received a " + ArrayTypeName(array.TypedArrayType()));
  }
  size_t expected = port.elements * element->bytes;
  if (array.ByteLength() != expected) {
    throw errors::Make(env, "INPUT_MISMATCH", PortLabel(port, index) + " of shape " + ShapeText(port.shape) + " expects " +
                                                  std::to_string(port.elements) + " elements (" + std::to_string(expected) +
                                                  " bytes) but received " + std::to_string(array.ElementLength()) + " elements (" +
                                                  std::to_string(array.ByteLength()) + " bytes)");
  }
  // Data() already includes the view's byteOffset into its ArrayBuffer.
  void* data = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  std::vector<int64_t> dims = port.shape;
  ov::Shape shape{static_cast<int64_t>(dims.size()), dims.data()};
  ov::Tensor* tensor = nullptr;
  ov::Error err;
  if (!ov::Try(*api_, err, [&] { return api_->tensor_create_from_host_ptr(port.type, shape, data, &tensor); })) {
    throw ovjs::ToJs(env, err, "Cannot wrap the data for " + PortLabel(port, index));
  }
  bool ok = ov::Try(*api_, err, [&] { return api_->infer_request_set_input_tensor_by_index(request_, index, tensor); });
  // The request holds its own reference to the tensor; ours can go.
  api_->tensor_free(tensor);
  if (!ok) throw ovjs::ToJs(env, err, "Cannot set " + PortLabel(port, index));
  Binding& binding = bindings_[index];
  binding.array = Napi::Persistent(array);
  binding.data = data;
  binding.bytes = expected;
  binding.loan = LoanSet(env, {array});
  return env.Undefined();
}

// A bound ArrayBuffer may have been detached or resized since: OpenVINO must not read it then.
void InferRequest::CheckBindings(Napi::Env env) const {
  for (size_t i = 0; i < bindings_.size(); ++i) {
    const Binding& binding = bindings_[i];
    if (binding.array.IsEmpty()) continue;
    Napi::TypedArray array = binding.array.Value();
    void* data = array.ByteLength() ? static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset() : nullptr;
    if (data != binding.data || array.ByteLength() != binding.bytes) {
      throw errors::Make(env, "INPUT_MISMATCH", PortLabel(model_->inputs[i], i) +
                                                    ": the bound array was detached or resized; set the input again");
    }
  }
}

// Outputs are copied: OpenVINO reuses its output buffers on the next inference.
Napi::Object InferRequest::ReadOutputs(Napi::Env env) {
  Napi::Object result = Napi::Object::New(env);
  const auto& outputs = model_->outputs;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const ovjs::Port& port = outputs[i];
    // The port's own name, not a copy (an index only for unnamed outputs).
    std::string indexKey;
    const std::string& key = port.name.empty() ? (indexKey = std::to_string(i)) : port.name;
    const ovjs::ElementInfo* element = ovjs::Element(port.type);
    if (element == nullptr) {
      throw errors::Make(env, "INPUT_MISMATCH", "output \"" + key + "\" has element type " + ovjs::ElementName(port.type) +
                                                    ", which cannot be read into a typed array");
    }
    ov::Tensor* tensor = nullptr;
    size_t bytes = 0;
    void* data = nullptr;
    ov::Error err;
    bool ok = ov::Try(*api_, err, [&] { return api_->infer_request_get_output_tensor_by_index(request_, i, &tensor); }) &&
              ov::Try(*api_, err, [&] { return api_->tensor_get_byte_size(tensor, &bytes); }) &&
              ov::Try(*api_, err, [&] { return api_->tensor_data(tensor, &data); });
    if (!ok) {
      if (tensor) api_->tensor_free(tensor);
      throw ovjs::ToJs(env, err, "Cannot read output \"" + key + "\"");
    }
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
    if (bytes) std::memcpy(buffer.Data(), data, bytes);
    api_->tensor_free(tensor);
    result.Set(key, MakeArray(env, element->array, buffer, bytes / element->bytes));
  }
  return result;
}

Napi::Value InferRequest::InferSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureReady(env);
  CheckBindings(env);
  ov::Error err;
  if (!ov::TryLong(*api_, err, [&] { return api_->infer_request_infer(request_); })) {
    throw ovjs::ToJs(env, err, "Inference failed");
  }
  return ReadOutputs(env);
}

Napi::Value InferRequest::InferAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  Napi::Promise promise = deferred.Promise();
  try {
    EnsureReady(env);
    CheckBindings(env);
  } catch (const Napi::Error& err) {
    deferred.Reject(err.Value());
    return promise;
  }
  busy_ = true;
  pending_.emplace(deferred);
  Ref();  // this object stays alive while the inference is in flight (the wrap's own reference: no allocation)
  tsfn_.Ref(env);
  ov::Error err;
  if (!ov::TryLong(*api_, err, [&] { return api_->infer_request_start_async(request_); })) {
    busy_ = false;
    tsfn_.Unref(env);
    pending_.reset();
    Unref();
    deferred.Reject(ovjs::ToJs(env, err, "Cannot start the inference").Value());
  }
  return promise;
}

void InferRequest::Complete(Napi::Env env) {
  Napi::HandleScope scope(env);
  // OpenVINO calls back just before it marks the request finished; wait returns at
  // once after that and carries the inference's status.
  ov::Error err;
  bool ok = ov::TryLong(*api_, err, [&] { return api_->infer_request_wait(request_); });
  busy_ = false;
  tsfn_.Unref(env);
  if (!pending_) return;
  Napi::Promise::Deferred deferred = *pending_;
  pending_.reset();
  // Let go of the hold taken in InferAsync on every way out of this function, and only then:
  // reading the outputs allocates, and a collection must not find this object unheld.
  struct Hold {
    InferRequest* request;
    ~Hold() { request->Unref(); }
  } hold{this};
  if (closed_) {
    Release();
    deferred.Reject(errors::Make(env, "CLOSED", "The infer request was closed during the inference").Value());
    return;
  }
  if (!ok) {
    deferred.Reject(ovjs::ToJs(env, err, "Inference failed").Value());
    return;
  }
  try {
    deferred.Resolve(ReadOutputs(env));
  } catch (const Napi::Error& e) {
    deferred.Reject(e.Value());
  }
}

Napi::Value InferRequest::Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), busy_); }

Napi::Value InferRequest::Close(const Napi::CallbackInfo& info) {
  if (!closed_) {
    closed_ = true;
    // With an inference in flight the handle is released when it completes (Complete).
    if (!busy_) Release();
  }
  return info.Env().Undefined();
}
