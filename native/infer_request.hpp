// JS class InferRequest: zero-copy inputs, copied outputs, sync and async inference.
#pragma once
#include <napi.h>

#include <memory>
#include <optional>
#include <vector>

#include "buffer_loans.hpp"
#include "compiled_model.hpp"

class InferRequest : public Napi::ObjectWrap<InferRequest> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Object Create(Napi::Env env, const std::shared_ptr<ModelShared>& model);
  explicit InferRequest(const Napi::CallbackInfo& info);
  ~InferRequest() override;

  // Runs on the JS thread once OpenVINO reports the async inference done.
  void Complete(Napi::Env env);

 private:
  // A caller's typed array bound as an input tensor (OpenVINO reads its memory directly).
  struct Binding {
    Napi::Reference<Napi::TypedArray> array;  // keeps the memory alive while bound
    void* data = nullptr;
    size_t bytes = 0;
    LoanSet loan;  // OpenVINO may read it any time while bound: releasePixels must not free it
  };

  Napi::Value SetInput(const Napi::CallbackInfo& info);
  Napi::Value InferSync(const Napi::CallbackInfo& info);
  Napi::Value InferAsync(const Napi::CallbackInfo& info);
  Napi::Value Busy(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  void EnsureReady(Napi::Env env) const;
  void CheckBindings(Napi::Env env) const;
  Napi::Object ReadOutputs(Napi::Env env);
  void Release();
  static void OnDone(void* self);
  // Who lets go last of the thread-safe function's bookkeeping: the TSFN may be finalized
  // before this object (environment teardown) or after it (ordinary garbage collection).
  struct TsfnState {
    bool finalized = false;
    bool ownerGone = false;
  };
  // JS thread, from the TSFN queue: the request pointer travels as the call's data, so the
  // completion hop allocates nothing (a lambda would be heap-wrapped by node-addon-api).
  static void CallComplete(Napi::Env env, Napi::Function, TsfnState*, InferRequest* request);
  using CompletionTsfn = Napi::TypedThreadSafeFunction<TsfnState, InferRequest, &InferRequest::CallComplete>;

  std::shared_ptr<ModelShared> model_;
  const ov::Api* api_ = nullptr;
  ov::InferRequest* request_ = nullptr;
  std::vector<Binding> bindings_;
  std::unique_ptr<ov::Callback> callback_;  // OpenVINO keeps this pointer: it lives as long as the request
  CompletionTsfn tsfn_;
  TsfnState* tsfnState_ = nullptr;
  // The Promise of the inference in flight; held in place (no allocation per inference).
  std::optional<Napi::Promise::Deferred> pending_;
  bool busy_ = false;
  bool closed_ = false;
};
