#include "pixel_worker.hpp"

#include <exception>
#include <utility>

PixelWorker::PixelWorker(Napi::Env env, const char* name, std::function<void()> job, std::vector<double> result,
                         bool resolveUndefined)
    : Napi::AsyncWorker(env, name),
      deferred_(Napi::Promise::Deferred::New(env)),
      job_(std::move(job)),
      result_(std::move(result)),
      resolveUndefined_(resolveUndefined) {}

Napi::Promise PixelWorker::Start(Napi::Env env, const char* name, std::function<void()> job,
                                 std::vector<double> result, bool resolveUndefined,
                                 const std::vector<Napi::Value>& keepAlive) {
  auto* worker = new PixelWorker(env, name, std::move(job), std::move(result), resolveUndefined);
  for (const Napi::Value& v : keepAlive) worker->keepAlive_.push_back(Napi::Persistent(v));
  worker->loans_ = LoanSet(env, keepAlive);
  Napi::Promise promise = worker->deferred_.Promise();
  worker->Queue();  // AsyncWorker deletes itself after OnOK/OnError
  return promise;
}

void PixelWorker::Execute() {
  try {
    job_();
  } catch (const std::exception& e) {
    SetError(e.what());  // e.g. bad_alloc of a scratch row; reported, never thrown across threads
  }
}

void PixelWorker::OnOK() {
  Napi::Env env = Env();
  if (resolveUndefined_) {
    deferred_.Resolve(env.Undefined());
    return;
  }
  Napi::Float64Array out = Napi::Float64Array::New(env, result_.size());
  for (std::size_t i = 0; i < result_.size(); ++i) out[i] = result_[i];
  deferred_.Resolve(out);
}

void PixelWorker::OnError(const Napi::Error& error) { deferred_.Reject(error.Value()); }
