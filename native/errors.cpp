#include "errors.hpp"

#include <cmath>
#include <sstream>

#include "addon_data.hpp"

namespace errors {

Napi::Error Make(Napi::Env env, const std::string& code, const std::string& message) {
  AddonData& data = GetAddonData(env);
  if (!data.errorClass.IsEmpty()) {
    Napi::Object err = data.errorClass.New({Napi::String::New(env, message), Napi::String::New(env, code)});
    return Napi::Error(env, err);
  }
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

Napi::Error Type(Napi::Env env, const std::string& message) {
  Napi::TypeError err = Napi::TypeError::New(env, message);
  err.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  return err;
}

Napi::Error Range(Napi::Env env, const std::string& message) {
  Napi::RangeError err = Napi::RangeError::New(env, message);
  err.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
  return err;
}

std::string Describe(const Napi::Value& value) {
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? "true" : "false";
  if (value.IsNumber()) {
    double d = value.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    std::ostringstream out;
    out << d;
    return out.str();
  }
  if (value.IsString()) return "a string";
  if (value.IsTypedArray()) return "a typed array";
  if (value.IsArrayBuffer()) return "an ArrayBuffer";
  if (value.IsArray()) return "an array";
  if (value.IsFunction()) return "a function";
  return "an object";
}

}  // namespace errors
