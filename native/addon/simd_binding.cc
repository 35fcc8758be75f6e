// Bindings that show and change the instruction set in use.
#include "simd_binding.h"

#include <string>

#include "../kernels/dispatch.h"

namespace prunekit::addon {
namespace {

constexpr Isa kAllIsas[] = {kIsaSerial, kIsaAvx2, kIsaAvx512, kIsaNeon};

Napi::Array isa_names_(const Napi::Env& env, unsigned mask) {
  Napi::Array names = Napi::Array::New(env);
  for (Isa isa : kAllIsas)
    if (mask & isa) names.Set(names.Length(), isa_name(isa));
  return names;
}

Napi::Value simd_info(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("active", isa_name(isa_active()));
  result.Set("supported", isa_names_(env, isa_supported()));
  result.Set("compiled", isa_names_(env, isa_compiled()));
  return result;
}

Napi::Value set_simd(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "setSimd expects an instruction set name");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  Isa isa;
  if (!isa_parse(name.c_str(), &isa))
    throw Napi::RangeError::New(env, "unknown instruction set '" + name + "' (known: scalar, avx2, avx512, neon)");
  if (!isa_select(isa)) {
    std::string supported;
    for (Isa each : kAllIsas)
      if (isa_supported() & each) supported += std::string(supported.empty() ? "" : ", ") + isa_name(each);
    throw Napi::Error::New(env, "instruction set '" + name + "' is not supported on this CPU/binary (supported: " +
                                    supported + ")");
  }
  return Napi::String::New(env, isa_name(isa_active()));
}

}  // namespace

void register_simd_bindings(Napi::Env env, Napi::Object exports) {
  exports.Set("simdInfo", Napi::Function::New(env, simd_info, "simdInfo"));
  exports.Set("setSimd", Napi::Function::New(env, set_simd, "setSimd"));
}

}  // namespace prunekit::addon
