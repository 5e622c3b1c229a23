#include "compile.hpp"

#include <array>

namespace {

// ov_core_compile_model takes its properties as C varargs. A runtime-sized list is
// spread into a call with a compile-time argument count chosen from a table.
template <size_t... I>
ov::Status CompileWith(const ov::Api& api, const ov::Core* core, const ov::Model* model, const char* device,
                       const std::vector<const char*>& args, ov::CompiledModel** out, std::index_sequence<I...>) {
  return api.core_compile_model(core, model, device, sizeof...(I), out, args[I]...);
}

using CompileFn = ov::Status (*)(const ov::Api&, const ov::Core*, const ov::Model*, const char*,
                                 const std::vector<const char*>&, ov::CompiledModel**);

template <size_t Pairs>
ov::Status CompileN(const ov::Api& api, const ov::Core* core, const ov::Model* model, const char* device,
                    const std::vector<const char*>& args, ov::CompiledModel** out) {
  return CompileWith(api, core, model, device, args, out, std::make_index_sequence<2 * Pairs>{});
}

template <size_t... P>
constexpr std::array<CompileFn, sizeof...(P)> MakeTable(std::index_sequence<P...>) {
  return {&CompileN<P>...};
}

constexpr auto kCompileByPairs = MakeTable(std::make_index_sequence<kMaxConfigPairs + 1>{});

// Sets dimension 0 of every input to `batch` (when > 0) and dimensions 2 and 3 (NCHW height and
// width) of every input to `height` x `width` (when > 0), in one reshape so OpenVINO validates the
// inputs together.
bool Reshape(const ov::Api& api, ov::Model* model, int64_t batch, int64_t height, int64_t width, ov::Error& err) {
  size_t count = 0;
  if (!ov::Try(api, err, [&] { return api.model_inputs_size(model, &count); })) return false;
  std::vector<ov::PartialShape> shapes(count);
  std::vector<size_t> indexes(count);
  size_t filled = 0;
  bool ok = true;
  for (size_t i = 0; i < count && ok; ++i) {
    ov::ConstPort* port = nullptr;
    ok = ov::Try(api, err, [&] { return api.model_const_input_by_index(model, i, &port); });
    if (!ok) break;
    ok = ov::Try(api, err, [&] { return api.port_get_partial_shape(port, &shapes[i]); });
    api.output_const_port_free(port);
    if (!ok) break;
    filled = i + 1;
    indexes[i] = i;
    const bool staticRank = shapes[i].rank.min == shapes[i].rank.max;
    if (batch > 0 && (!staticRank || shapes[i].rank.min < 1)) {
      err.status = -4;  // PARAMETER_MISMATCH: a scalar or rank-dynamic input has no batch dimension
      err.message = "input " + std::to_string(i) + " has no batch dimension to set";
      ok = false;
      break;
    }
    if (height > 0 && (!staticRank || shapes[i].rank.min != 4)) {
      err.status = -4;
      err.message = "input " + std::to_string(i) + " is not an NCHW image input (rank 4) whose height and width could be set";
      ok = false;
      break;
    }
    if (batch > 0) shapes[i].dims[0] = ov::Dimension{batch, batch};
    if (height > 0) {
      shapes[i].dims[2] = ov::Dimension{height, height};
      shapes[i].dims[3] = ov::Dimension{width, width};
    }
  }
  if (ok) {
    ok = ov::Try(api, err, [&] { return api.model_reshape_by_port_indexes(model, indexes.data(), shapes.data(), count); });
  }
  for (size_t i = 0; i < filled; ++i) api.partial_shape_free(&shapes[i]);
  return ok;
}

}  // namespace

CompileOutcome CompileModel(const ov::Api& api, ov::Core* core, const CompileSpec& spec) {
  CompileOutcome outcome;
  ov::Model* model = nullptr;
  ov::Tensor* weights = nullptr;
  if (spec.fromMemory) {
    outcome.stage = "Cannot read the model from memory";
    bool ok = true;
    if (spec.weights && !spec.weights->empty()) {
      int64_t length = static_cast<int64_t>(spec.weights->size());
      ov::Shape shape{1, &length};
      ok = ov::Try(api, outcome.error, [&] {
        return api.tensor_create_from_host_ptr(ov::kU8, shape, spec.weights->data(), &weights);
      });
    }
    ok = ok && ov::TryLong(api, outcome.error, [&] {
      return api.core_read_model_from_memory_buffer(core, spec.xmlText.data(), spec.xmlText.size(), weights, &model);
    });
    if (!ok) {
      if (weights) api.tensor_free(weights);
      return outcome;
    }
  } else {
    outcome.stage = "Cannot read the model " + spec.xmlPath;
    const char* bin = spec.binPath.empty() ? nullptr : spec.binPath.c_str();
    if (!ov::TryLong(api, outcome.error, [&] { return api.core_read_model(core, spec.xmlPath.c_str(), bin, &model); })) {
      return outcome;
    }
  }
  bool ok = true;
  if (spec.batch > 0 || spec.height > 0) {
    outcome.stage = spec.height > 0 ? "Cannot set the input size to " + std::to_string(spec.width) + "x" + std::to_string(spec.height)
                                    : "Cannot set the batch to " + std::to_string(spec.batch);
    ok = Reshape(api, model, spec.batch, spec.height, spec.width, outcome.error);
  }
  if (ok) {
    outcome.stage = "Cannot compile the model for device \"" + spec.device + "\"";
    std::vector<const char*> args;
    for (const auto& [key, value] : spec.config) {
      args.push_back(key.c_str());
      args.push_back(value.c_str());
    }
    size_t pairs = spec.config.size();
    if (pairs > kMaxConfigPairs) {
      outcome.error.status = -4;
      outcome.error.message = "at most " + std::to_string(kMaxConfigPairs) + " config entries are supported";
    } else {
      ov::TryLong(api, outcome.error, [&] {
        return kCompileByPairs[pairs](api, core, model, spec.device.c_str(), args, &outcome.compiled);
      });
    }
  }
  api.model_free(model);
  if (weights) api.tensor_free(weights);
  return outcome;
}
