// Bridges between OpenVINO C results and JS: status -> FaceReidError, element types
// -> typed arrays, port descriptions -> plain objects.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "ov_api.hpp"

namespace ovjs {

// FaceReidError with code OV_<STATUS> and "<what>: <OpenVINO's message>".
Napi::Error ToJs(Napi::Env env, const ov::Error& err, const std::string& what);

// The loaded runtime, or a RUNTIME_NOT_FOUND error when the façade has not loaded one.
const ov::Api& RequireRuntime(Napi::Env env);

struct ElementInfo {
  int type;
  const char* name;  // OpenVINO's short name: "f32", "u8", ...
  size_t bytes;      // bytes per element
  napi_typedarray_type array;
};

// Element types that map one-to-one onto a JS typed array; nullptr for the others
// (sub-byte, string, dynamic): those ports cannot be fed or read from JS.
const ElementInfo* Element(int type);
// A printable name for any element type (also the unsupported ones).
std::string ElementName(int type);

// What a model input or output looks like.
struct Port {
  std::string name;            // any tensor name, or "" when the port has none
  std::vector<int64_t> shape;  // -1 for a dynamic dimension
  int type = 0;
  bool isStatic = true;
  size_t elements = 0;  // product of the shape when static
};

// Reads a port's description and frees the port handle.
bool Describe(const ov::Api& api, ov::ConstPort* port, Port& out, ov::Error& err);
Napi::Object PortToJs(Napi::Env env, const Port& port);

}  // namespace ovjs
