// Bindings that show and change the instruction set in use.
#include <string>

#include "../kernels/dispatch.h"
#include "args.h"
#include "exports.h"

namespace prunekit::addon {
namespace {

// The names of the sets in `mask`, best last, as a JavaScript array or as "a, b, c".
Napi::Array isa_array_(const Napi::Env& env, unsigned mask) {
  Napi::Array names = Napi::Array::New(env);
  for (const IsaName& each : kIsaNames)
    if (mask & each.isa) names.Set(names.Length(), each.name);
  return names;
}
std::string isa_list_(unsigned mask) {
  std::string list;
  for (const IsaName& each : kIsaNames)
    if (mask & each.isa) list += (list.empty() ? "" : ", ") + std::string(each.name);
  return list;
}

Napi::Value simd_info(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("active", isa_name(isa_active()));
  result.Set("supported", isa_array_(env, isa_supported()));
  result.Set("compiled", isa_array_(env, isa_compiled()));
  return result;
}

Napi::Value set_simd(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const ShortString name = short_string_arg(info[0]);
  Isa isa;
  if (!name.ok || !isa_parse(name.text, &isa)) {
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "setSimd expects an instruction set name (a string)");
    std::string text = info[0].As<Napi::String>().Utf8Value();
    for (std::size_t at = text.find('\0'); at != std::string::npos; at = text.find('\0', at))
      text.replace(at, 1, "\\0");
    throw Napi::RangeError::New(env, "unknown instruction set '" + text + "' (known: " + isa_list_(~0u) + ")");
  }
  if (!isa_select(isa))
    throw Napi::Error::New(env, std::string("instruction set '") + name.text +
                                    "' is not supported on this CPU/binary (supported: " + isa_list_(isa_supported()) +
                                    ")");
  return Napi::String::New(env, isa_name(isa_active()));
}

}  // namespace

const Export kSimdExports[] = {
    {"simdInfo", simd_info},
    {"setSimd", set_simd},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
