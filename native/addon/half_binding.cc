// Bindings of the 16-bit float kernels: check the typed arrays (type, equal lengths, no overlap), take the
// pointers, call the kernel of the active instruction set. No arithmetic here.
#include <cstdint>

#include "../kernels/dispatch.h"
#include "args.h"
#include "exports.h"

namespace prunekit::addon {
namespace {

View<std::uint16_t> u16_arg_(const Napi::Value& value, const char* name) {
  return typed_array_arg<std::uint16_t>(value, napi_uint16_array, "Uint16Array", name);
}

// A decoder's (src: Uint16Array, dst: Float32Array), checked: one output per input, no overlap.
struct Decode {
  View<std::uint16_t> src;
  F32View dst;
};

Decode decode_args_(const Napi::CallbackInfo& info) {
  const Decode args{u16_arg_(info[0], "src"), float32_arg(info[1], "dst")};
  require_length(info.Env(), args.dst.length, args.src.length, "dst", "one per src element");
  require_disjoint(info.Env(), args.dst.data, args.dst.length * 4, "dst", args.src.data, args.src.length * 2, "src",
                   false);
  return args;
}

// bf16ToF32(src, dst)
Napi::Value bf16_to_f32(const Napi::CallbackInfo& info) {
  const Decode args = decode_args_(info);
  half_kernels().bf16_to_f32(args.src.data, args.dst.data, args.src.length);
  return info.Env().Undefined();
}

// f16ToF32(src, dst)
Napi::Value f16_to_f32(const Napi::CallbackInfo& info) {
  const Decode args = decode_args_(info);
  half_kernels().f16_to_f32(args.src.data, args.dst.data, args.src.length);
  return info.Env().Undefined();
}

// zeroMaskedU16(data, keep)
Napi::Value zero_masked_u16(const Napi::CallbackInfo& info) {
  const View<std::uint16_t> data = u16_arg_(info[0], "data");
  const View<std::uint8_t> keep = u8_arg(info[1], "keep");
  require_length(info.Env(), keep.length, data.length, "keep", "one per data element");
  require_disjoint(info.Env(), data.data, data.length * 2, "data", keep.data, keep.length, "keep", false);
  half_kernels().zero_masked_u16(data.data, keep.data, data.length);
  return info.Env().Undefined();
}

}  // namespace

const Export kHalfExports[] = {
    {"bf16ToF32", bf16_to_f32},
    {"f16ToF32", f16_to_f32},
    {"zeroMaskedU16", zero_masked_u16},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
