// Runs one pixel job (already validated, holding only plain C++ data and raw
// pointers) on the libuv pool and settles a Promise. The JS buffers behind those
// pointers are held by persistent references until the job is done, so they cannot
// be collected mid-flight, and lent (buffer_loans.hpp), so they cannot be released early. No N-API call happens off the JS thread.
#pragma once
#include <napi.h>

#include <functional>
#include <vector>

#include "buffer_loans.hpp"

class PixelWorker : public Napi::AsyncWorker {
 public:
  // `job` runs off the JS thread; the Promise resolves to Float64Array(result)
  // (or undefined when `resolveUndefined`). `keepAlive` are the buffers job touches.
  static Napi::Promise Start(Napi::Env env, const char* name, std::function<void()> job, std::vector<double> result,
                             bool resolveUndefined, const std::vector<Napi::Value>& keepAlive);

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  PixelWorker(Napi::Env env, const char* name, std::function<void()> job, std::vector<double> result,
              bool resolveUndefined);

  Napi::Promise::Deferred deferred_;
  std::function<void()> job_;
  std::vector<double> result_;
  bool resolveUndefined_;
  std::vector<Napi::Reference<Napi::Value>> keepAlive_;
  LoanSet loans_;  // the same buffers, marked in use so releasePixels leaves them alone
};
