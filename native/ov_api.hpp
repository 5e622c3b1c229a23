// The subset of OpenVINO's C API this addon calls, declared here and bound at run
// time with dlopen/dlsym: the addon never links to OpenVINO and includes none of its
// headers. Every declaration mirrors openvino/c/*.h of 2025.1 and later.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

namespace ov {

// ov_status_e: 0 is OK, failures are negative.
using Status = int;
constexpr Status kOk = 0;

// ov_element_type_e as numbered since 2025.1 (the version check refuses older runtimes).
enum ElementType : int {
  kDynamic = 0, kBoolean, kBF16, kF16, kF32, kF64, kI4, kI8, kI16, kI32, kI64,
  kU1, kU2, kU3, kU4, kU6, kU8, kU16, kU32, kU64, kNF4, kF8E4M3, kF8E5M2, kString,
  kF4E2M1, kF8E8M0,
};

struct Core;                // ov_core_t
struct Model;               // ov_model_t
struct CompiledModel;       // ov_compiled_model_t
struct InferRequest;        // ov_infer_request_t
struct Tensor;              // ov_tensor_t
struct ConstPort;           // ov_output_const_port_t

struct Version { const char* buildNumber; const char* description; };
struct AvailableDevices { char** devices; size_t size; };
struct Shape { int64_t rank; int64_t* dims; };
struct Dimension { int64_t min; int64_t max; };
struct PartialShape { Dimension rank; Dimension* dims; };
struct Callback { void (*callback_func)(void* args); void* args; };

// One function pointer per C entry point used; names drop the `ov_` prefix.
struct Api {
  Status (*get_openvino_version)(Version*);
  void (*version_free)(Version*);
  const char* (*get_last_err_msg)();
  void (*free)(const char*);

  Status (*core_create)(Core**);
  void (*core_free)(Core*);
  Status (*core_get_available_devices)(const Core*, AvailableDevices*);
  void (*available_devices_free)(AvailableDevices*);
  Status (*core_get_property)(const Core*, const char* device, const char* key, char** value);
  Status (*core_read_model)(const Core*, const char* xml, const char* bin, Model**);
  Status (*core_read_model_from_memory_buffer)(const Core*, const char* xml, size_t len, const Tensor* weights, Model**);
  // Variadic: `n` counts keys plus values, each passed as const char*.
  Status (*core_compile_model)(const Core*, const Model*, const char* device, size_t n, CompiledModel**, ...);

  void (*model_free)(Model*);
  Status (*model_inputs_size)(const Model*, size_t*);
  Status (*model_const_input_by_index)(const Model*, size_t, ConstPort**);
  Status (*model_reshape_by_port_indexes)(const Model*, const size_t*, const PartialShape*, size_t);

  Status (*compiled_model_inputs_size)(const CompiledModel*, size_t*);
  Status (*compiled_model_input_by_index)(const CompiledModel*, size_t, ConstPort**);
  Status (*compiled_model_outputs_size)(const CompiledModel*, size_t*);
  Status (*compiled_model_output_by_index)(const CompiledModel*, size_t, ConstPort**);
  Status (*compiled_model_create_infer_request)(const CompiledModel*, InferRequest**);
  Status (*compiled_model_get_property)(const CompiledModel*, const char* key, char** value);
  void (*compiled_model_free)(CompiledModel*);

  Status (*port_get_any_name)(const ConstPort*, char**);
  Status (*port_get_partial_shape)(const ConstPort*, PartialShape*);
  Status (*port_get_element_type)(const ConstPort*, int*);
  void (*output_const_port_free)(ConstPort*);
  void (*partial_shape_free)(PartialShape*);
  Status (*shape_free)(Shape*);

  Status (*tensor_create_from_host_ptr)(int type, Shape shape, void* data, Tensor**);
  Status (*tensor_get_shape)(const Tensor*, Shape*);
  Status (*tensor_get_byte_size)(const Tensor*, size_t*);
  Status (*tensor_data)(const Tensor*, void**);
  void (*tensor_free)(Tensor*);

  Status (*infer_request_set_input_tensor_by_index)(InferRequest*, size_t, const Tensor*);
  Status (*infer_request_get_output_tensor_by_index)(const InferRequest*, size_t, Tensor**);
  Status (*infer_request_infer)(InferRequest*);
  Status (*infer_request_start_async)(InferRequest*);
  Status (*infer_request_wait)(InferRequest*);
  Status (*infer_request_set_callback)(InferRequest*, const Callback*);
  void (*infer_request_free)(InferRequest*);
};

// Outcome of opening a runtime library; `code` is a FaceReidError code when !api.
struct LoadResult {
  const Api* api = nullptr;
  std::string code;
  std::string message;
  std::string path;     // canonical path of the loaded library
  std::string version;  // buildNumber
};

// Opens the library at `path` (process-wide, once). A second call with the same
// library returns the loaded table; a different library is refused: two OpenVINO
// runtimes in one process would clash on their plugins and TBB.
LoadResult Load(const std::string& path);

// The loaded table, or nullptr before a successful Load.
const Api* Loaded();

// A failed OpenVINO call: its status and the runtime's last error text.
struct Error {
  Status status = kOk;
  std::string message;
};

// "GENERAL_ERROR", "NOT_FOUND", ... for a status (the suffix of the OV_<NAME> codes).
const char* StatusName(Status status);

// OpenVINO keeps one last-error message per process. Short calls run under this lock
// together with the read of the message, so the message belongs to the call.
std::mutex& ErrorLock();
// Reads and frees the last message; the caller holds ErrorLock().
std::string TakeLastMessageLocked(const Api& api);

// Runs `call` under the error lock; on failure records status and message in `err`.
template <typename F>
bool Try(const Api& api, Error& err, F&& call) {
  std::lock_guard<std::mutex> lock(ErrorLock());
  Status status = call();
  if (status == kOk) return true;
  err.status = status;
  err.message = TakeLastMessageLocked(api);
  return false;
}

// For long calls (compile, inference): the call itself runs without the lock so it
// never stalls other threads; the message is read under the lock right after. Another
// thread failing in that window could replace it: the status is always exact.
template <typename F>
bool TryLong(const Api& api, Error& err, F&& call) {
  Status status = call();
  if (status == kOk) return true;
  std::lock_guard<std::mutex> lock(ErrorLock());
  err.status = status;
  err.message = TakeLastMessageLocked(api);
  return false;
}

}  // namespace ov
