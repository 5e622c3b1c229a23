// Placeholder until the OpenVINO engine lands (issue 2).
#include "module_init.hpp"

void InitEngine(Napi::Env, Napi::Object) {}
