#include "ov_js.hpp"

#include "errors.hpp"

namespace ovjs {

Napi::Error ToJs(Napi::Env env, const ov::Error& err, const std::string& what) {
  std::string message = what;
  std::string detail = err.message;
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  message += detail.empty() ? std::string(" (") + ov::StatusName(err.status) + ")" : ": " + detail;
  return errors::Make(env, std::string("OV_") + ov::StatusName(err.status), message);
}

const ov::Api& RequireRuntime(Napi::Env env) {
  const ov::Api* api = ov::Loaded();
  if (api == nullptr) {
    throw errors::Make(env, "RUNTIME_NOT_FOUND", "The OpenVINO runtime is not loaded: call openRuntime(path) first");
  }
  return *api;
}

namespace {
// Only the types with an exact JS typed array counterpart. f16 and bf16 travel as raw
// 16-bit words (Uint16Array): Node 20 has no Float16Array.
const ElementInfo kElements[] = {
    {ov::kBoolean, "boolean", 1, napi_uint8_array}, {ov::kBF16, "bf16", 2, napi_uint16_array},
    {ov::kF16, "f16", 2, napi_uint16_array},        {ov::kF32, "f32", 4, napi_float32_array},
    {ov::kF64, "f64", 8, napi_float64_array},       {ov::kI8, "i8", 1, napi_int8_array},
    {ov::kI16, "i16", 2, napi_int16_array},         {ov::kI32, "i32", 4, napi_int32_array},
    {ov::kI64, "i64", 8, napi_bigint64_array},      {ov::kU8, "u8", 1, napi_uint8_array},
    {ov::kU16, "u16", 2, napi_uint16_array},        {ov::kU32, "u32", 4, napi_uint32_array},
    {ov::kU64, "u64", 8, napi_biguint64_array},
};
}  // namespace

const ElementInfo* Element(int type) {
  for (const ElementInfo& info : kElements) {
    if (info.type == type) return &info;
  }
  return nullptr;
}

std::string ElementName(int type) {
  if (const ElementInfo* info = Element(type)) return info->name;
  static const char* const kOthers[] = {"dynamic", "boolean", "bf16", "f16", "f32", "f64", "i4", "i8", "i16",
                                        "i32", "i64", "u1", "u2", "u3", "u4", "u6", "u8", "u16", "u32", "u64",
                                        "nf4", "f8e4m3", "f8e5m2", "string", "f4e2m1", "f8e8m0"};
  if (type >= 0 && type < static_cast<int>(sizeof(kOthers) / sizeof(kOthers[0]))) return kOthers[type];
  return "type#" + std::to_string(type);
}

bool Describe(const ov::Api& api, ov::ConstPort* port, Port& out, ov::Error& err) {
  char* name = nullptr;
  // A port may legitimately have no tensor name: that failure is not an error.
  if (ov::Try(api, err, [&] { return api.port_get_any_name(port, &name); })) {
    out.name = name;
    api.free(name);
  }
  err = ov::Error{};
  bool ok = ov::Try(api, err, [&] { return api.port_get_element_type(port, &out.type); });
  ov::PartialShape shape{};
  ok = ok && ov::Try(api, err, [&] { return api.port_get_partial_shape(port, &shape); });
  if (ok) {
    out.shape.clear();
    out.isStatic = shape.rank.min == shape.rank.max && shape.rank.min >= 0;
    size_t elements = 1;
    if (out.isStatic) {
      for (int64_t i = 0; i < shape.rank.min; ++i) {
        const ov::Dimension& d = shape.dims[i];
        bool fixed = d.min == d.max && d.min >= 0;
        out.shape.push_back(fixed ? d.min : -1);
        if (fixed) {
          elements *= static_cast<size_t>(d.min);
        } else {
          out.isStatic = false;
        }
      }
    }
    out.elements = out.isStatic ? elements : 0;
    api.partial_shape_free(&shape);
  }
  api.output_const_port_free(port);
  return ok;
}

Napi::Object PortToJs(Napi::Env env, const Port& port) {
  Napi::Object obj = Napi::Object::New(env);
  obj.Set("name", port.name);
  Napi::Array shape = Napi::Array::New(env, port.shape.size());
  for (size_t i = 0; i < port.shape.size(); ++i) shape.Set(i, Napi::Number::New(env, static_cast<double>(port.shape[i])));
  obj.Set("shape", shape);
  obj.Set("elementType", ElementName(port.type));
  return obj;
}

}  // namespace ovjs
