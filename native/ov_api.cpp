// dlopen/dlsym of libopenvino_c and the runtime version gate.
#include "ov_api.hpp"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>

#include <cstdio>
#include <type_traits>

namespace ov {
namespace {

// Process-wide by necessity: a shared library is loaded once per process, whatever
// the number of Node environments. Guarded by `loadLock`.
std::mutex loadLock;
void* libraryHandle = nullptr;
Api table;
bool tableReady = false;
std::string loadedPath;
std::string loadedVersion;

std::string Canonical(const std::string& path) {
  char buffer[PATH_MAX];
  if (realpath(path.c_str(), buffer) == nullptr) return path;
  return buffer;
}

// Resolves every symbol; returns the name of the first missing one, or "".
std::string BindAll(void* handle, Api& api) {
  std::string missing;
  auto bind = [&](auto& slot, const char* name) {
    void* symbol = dlsym(handle, name);
    if (symbol == nullptr && missing.empty()) missing = name;
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(symbol);
  };
  bind(api.get_openvino_version, "ov_get_openvino_version");
  bind(api.version_free, "ov_version_free");
  bind(api.get_last_err_msg, "ov_get_last_err_msg");
  bind(api.free, "ov_free");
  bind(api.core_create, "ov_core_create");
  bind(api.core_free, "ov_core_free");
  bind(api.core_get_available_devices, "ov_core_get_available_devices");
  bind(api.available_devices_free, "ov_available_devices_free");
  bind(api.core_get_property, "ov_core_get_property");
  bind(api.core_read_model, "ov_core_read_model");
  bind(api.core_read_model_from_memory_buffer, "ov_core_read_model_from_memory_buffer");
  bind(api.core_compile_model, "ov_core_compile_model");
  bind(api.model_free, "ov_model_free");
  bind(api.model_inputs_size, "ov_model_inputs_size");
  bind(api.model_const_input_by_index, "ov_model_const_input_by_index");
  bind(api.model_reshape_by_port_indexes, "ov_model_reshape_by_port_indexes");
  bind(api.compiled_model_inputs_size, "ov_compiled_model_inputs_size");
  bind(api.compiled_model_input_by_index, "ov_compiled_model_input_by_index");
  bind(api.compiled_model_outputs_size, "ov_compiled_model_outputs_size");
  bind(api.compiled_model_output_by_index, "ov_compiled_model_output_by_index");
  bind(api.compiled_model_create_infer_request, "ov_compiled_model_create_infer_request");
  bind(api.compiled_model_get_property, "ov_compiled_model_get_property");
  bind(api.compiled_model_free, "ov_compiled_model_free");
  bind(api.port_get_any_name, "ov_port_get_any_name");
  bind(api.port_get_partial_shape, "ov_port_get_partial_shape");
  bind(api.port_get_element_type, "ov_port_get_element_type");
  bind(api.output_const_port_free, "ov_output_const_port_free");
  bind(api.partial_shape_free, "ov_partial_shape_free");
  bind(api.shape_free, "ov_shape_free");
  bind(api.tensor_create_from_host_ptr, "ov_tensor_create_from_host_ptr");
  bind(api.tensor_get_shape, "ov_tensor_get_shape");
  bind(api.tensor_get_byte_size, "ov_tensor_get_byte_size");
  bind(api.tensor_data, "ov_tensor_data");
  bind(api.tensor_free, "ov_tensor_free");
  bind(api.infer_request_set_input_tensor_by_index, "ov_infer_request_set_input_tensor_by_index");
  bind(api.infer_request_get_output_tensor_by_index, "ov_infer_request_get_output_tensor_by_index");
  bind(api.infer_request_infer, "ov_infer_request_infer");
  bind(api.infer_request_start_async, "ov_infer_request_start_async");
  bind(api.infer_request_wait, "ov_infer_request_wait");
  bind(api.infer_request_set_callback, "ov_infer_request_set_callback");
  bind(api.infer_request_free, "ov_infer_request_free");
  return missing;
}

// The element type numbering this addon knows holds from 2025.1 up to (not including) 2027.
bool VersionSupported(const std::string& build) {
  int year = 0, minor = 0;
  if (std::sscanf(build.c_str(), "%d.%d", &year, &minor) != 2) return false;
  if (year < 2025 || year >= 2027) return false;
  return year > 2025 || minor >= 1;
}

}  // namespace

LoadResult Load(const std::string& path) {
  std::lock_guard<std::mutex> lock(loadLock);
  LoadResult result;
  std::string canonical = Canonical(path);
  if (tableReady) {
    if (canonical != loadedPath) {
      result.code = "RUNTIME_CONFLICT";
      result.message = "OpenVINO is already loaded from " + loadedPath + " in this process; cannot also load " +
                       canonical + " (only one OpenVINO runtime can be loaded per process)";
      return result;
    }
    result.api = &table;
    result.path = loadedPath;
    result.version = loadedVersion;
    return result;
  }
  void* handle = dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    result.code = "RUNTIME_NOT_FOUND";
    result.message = why ? why : ("cannot open " + canonical);
    return result;
  }
  Api api{};
  std::string missing = BindAll(handle, api);
  if (!missing.empty()) {
    dlclose(handle);
    result.code = "RUNTIME_SYMBOL_MISSING";
    result.message = canonical + " has no symbol " + missing + ": it is not a compatible OpenVINO C library";
    return result;
  }
  Version version{nullptr, nullptr};
  std::string build;
  if (api.get_openvino_version(&version) == kOk && version.buildNumber != nullptr) {
    build = version.buildNumber;
    api.version_free(&version);
  }
  if (!VersionSupported(build)) {
    dlclose(handle);
    result.code = "RUNTIME_VERSION_UNSUPPORTED";
    result.message = "OpenVINO " + (build.empty() ? std::string("of unknown version") : build) + " at " + canonical +
                     " is not supported: ov-face-reid needs 2025.1 or later, before 2027";
    return result;
  }
  // Kept open for the life of the process: plugins and TBB threads must never be unloaded.
  libraryHandle = handle;
  table = api;
  tableReady = true;
  loadedPath = canonical;
  loadedVersion = build;
  result.api = &table;
  result.path = loadedPath;
  result.version = loadedVersion;
  return result;
}

const Api* Loaded() {
  std::lock_guard<std::mutex> lock(loadLock);
  return tableReady ? &table : nullptr;
}

const char* StatusName(Status status) {
  switch (status) {
    case 0: return "OK";
    case -1: return "GENERAL_ERROR";
    case -2: return "NOT_IMPLEMENTED";
    case -3: return "NETWORK_NOT_LOADED";
    case -4: return "PARAMETER_MISMATCH";
    case -5: return "NOT_FOUND";
    case -6: return "OUT_OF_BOUNDS";
    case -7: return "UNEXPECTED";
    case -8: return "REQUEST_BUSY";
    case -9: return "RESULT_NOT_READY";
    case -10: return "NOT_ALLOCATED";
    case -11: return "INFER_NOT_STARTED";
    case -12: return "NETWORK_NOT_READ";
    case -13: return "INFER_CANCELLED";
    case -14: return "INVALID_C_PARAM";
    case -15: return "UNKNOWN_C_ERROR";
    case -16: return "NOT_IMPLEMENT_C_METHOD";
    case -17: return "UNKNOW_EXCEPTION";
    default: return "UNKNOWN_STATUS";
  }
}

std::mutex& ErrorLock() {
  static std::mutex lock;
  return lock;
}

std::string TakeLastMessageLocked(const Api& api) {
  const char* text = api.get_last_err_msg();
  if (text == nullptr) return std::string();
  std::string message(text);
  api.free(text);
  return message;
}

}  // namespace ov
