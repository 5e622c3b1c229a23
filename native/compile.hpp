// Reading and compiling a model: plain C++ (no N-API), so it can run on a worker thread.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ov_api.hpp"

// Everything a compilation needs, copied out of JS values on the JS thread.
struct CompileSpec {
  std::string xmlPath;  // set when the model comes from files
  std::string binPath;  // may be empty: OpenVINO then looks beside the .xml
  std::string xmlText;  // set when the model comes from memory
  // Weights from memory, owned here and later by the CompiledModel: a model read from
  // memory shares this buffer and the compiled model may keep using its constants.
  std::shared_ptr<std::vector<uint8_t>> weights;
  bool fromMemory = false;
  std::string device = "CPU";
  std::vector<std::pair<std::string, std::string>> config;
  int64_t batch = 0;  // 0: keep the model's own batch
  int64_t height = 0;  // with width: NCHW image size of every input; 0: keep the model's own
  int64_t width = 0;
};

// Most configuration pairs one compile call accepts (the C call is variadic).
constexpr size_t kMaxConfigPairs = 16;

struct CompileOutcome {
  ov::CompiledModel* compiled = nullptr;
  ov::Error error;
  std::string stage;  // which step failed, for the message
};

CompileOutcome CompileModel(const ov::Api& api, ov::Core* core, const CompileSpec& spec);
