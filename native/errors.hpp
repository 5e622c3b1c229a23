// Errors thrown from C++: one shape for the whole addon.
// Argument errors are TypeError/RangeError carrying a Node-style `code`;
// everything else is the façade's FaceReidError (registered by JS) with a stable code.
#pragma once
#include <napi.h>
#include <string>

namespace errors {

// A FaceReidError(message, code); a plain Error with `code` if JS registered no class yet.
Napi::Error Make(Napi::Env env, const std::string& code, const std::string& message);

// `Expected <what> for <name> but received <value>`-style argument errors.
Napi::Error Type(Napi::Env env, const std::string& message);
Napi::Error Range(Napi::Env env, const std::string& message);

// Short description of a JS value for error messages ("a string", "NaN", "-3", ...).
std::string Describe(const Napi::Value& value);

}  // namespace errors
