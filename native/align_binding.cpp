// Placeholder until the alignment kernels land (issue 3).
#include "module_init.hpp"

void InitAlign(Napi::Env, Napi::Object) {}
