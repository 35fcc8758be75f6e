// Bindings of the 16-bit pruning kernels and the mask report counts: check every argument (types, shapes,
// lengths, no overlap), take the pointers, call the runtime or the kernel. No arithmetic here.
#include <cstdint>
#include <string>

#include "../kernels/dispatch.h"
#include "../runtime/prune16_runtime.h"
#include "args.h"
#include "exports.h"

namespace prunekit::addon {
namespace {

View<std::uint16_t> u16_arg_(const Napi::Value& value, const char* name) {
  return typed_array_arg<std::uint16_t>(value, napi_uint16_array, "Uint16Array", name);
}

Half16 dtype_arg_(const Napi::Value& value) {
  static const char* const kNames[] = {"BF16", "F16", nullptr};
  return enum_arg(value, "dtype", kNames) == 0 ? Half16::kBf16 : Half16::kF16;
}

BlockReduce reduce_arg_(const Napi::Value& value) {
  static const char* const kNames[] = {"mean", "sum", "max", nullptr};
  static const BlockReduce kReduces[] = {BlockReduce::kMean, BlockReduce::kSum, BlockReduce::kMax};
  return kReduces[enum_arg(value, "reduce", kNames)];
}

// A [rows, cols] matrix of `length` elements cut into whole bn x bm blocks, or a RangeError.
struct Blocks {
  std::size_t rows, cols, bn, bm;
};
Blocks blocks_arg_(const Napi::CallbackInfo& info, int at, std::size_t length, const char* name) {
  const Blocks b{size_arg(info[at], "rows"), size_arg(info[at + 1], "cols"), size_arg(info[at + 2], "blockRows"),
                 size_arg(info[at + 3], "blockCols")};
  std::size_t product = 0;
  if (__builtin_mul_overflow(b.rows, b.cols, &product) || product != length)
    throw Napi::RangeError::New(info.Env(), std::string(name) + " has " + std::to_string(length) +
                                                " elements, expected rows x cols = " + std::to_string(b.rows) + " x " +
                                                std::to_string(b.cols));
  if (b.bn == 0 || b.bm == 0 || b.rows % b.bn != 0 || b.cols % b.bm != 0)
    throw Napi::RangeError::New(info.Env(), "block " + std::to_string(b.bn) + "x" + std::to_string(b.bm) +
                                                " does not divide the " + std::to_string(b.rows) + " x " +
                                                std::to_string(b.cols) + " matrix");
  return b;
}

// N and M of an N:M group (0 < n < m <= max) dividing `length`, or a RangeError.
void require_groups_(const Napi::Env& env, std::size_t length, std::size_t n, std::size_t m, std::size_t max) {
  if (n == 0 || m > max || n >= m || length % m != 0)
    throw Napi::RangeError::New(env, "N:M " + std::to_string(n) + ":" + std::to_string(m) +
                                         " needs 0 < N < M <= " + std::to_string(max) + " and M dividing the " +
                                         std::to_string(length) + " elements");
}

// prune16Nm(data, dtype, n, m, tieMode, keep): pruned count, or -1 (nothing written) for Inf/NaN data
Napi::Value prune16_nm(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<std::uint16_t> data = u16_arg_(info[0], "data");
  const Half16 type = dtype_arg_(info[1]);
  const std::size_t n = size_arg(info[2], "n"), m = size_arg(info[3], "m");
  static const char* const kTies[] = {"exact", "threshold", nullptr};
  const bool threshold = enum_arg(info[4], "tieMode", kTies) == 1;
  const View<std::uint8_t> keep = u8_arg(info[5], "keep");
  require_groups_(env, data.length, n, m, kMaxNm16Group);
  require_length(env, keep.length, data.length, "keep", "one per data element");
  require_disjoint(env, keep.data, keep.length, "keep", data.data, data.length * 2, "data", false);
  const std::size_t pruned = run_nm_magnitude_u16(data.data, data.length, type, static_cast<unsigned>(n),
                                                  static_cast<unsigned>(m), threshold, keep.data);
  return Napi::Number::New(env, pruned == kNonFinite ? -1.0 : static_cast<double>(pruned));
}

// prune16BlockUnits(data, dtype, rows, cols, blockRows, blockCols, reduce, units): false (units untouched)
// for Inf/NaN data
Napi::Value prune16_block_units(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<std::uint16_t> data = u16_arg_(info[0], "data");
  const Half16 type = dtype_arg_(info[1]);
  const Blocks b = blocks_arg_(info, 2, data.length, "data");
  const BlockReduce op = reduce_arg_(info[6]);
  const F32View units = float32_arg(info[7], "units");
  require_length(env, units.length, (b.rows / b.bn) * (b.cols / b.bm), "units", "one per block");
  require_disjoint(env, units.data, units.length * 4, "units", data.data, data.length * 2, "data", false);
  if (data.length == 0) return Napi::Boolean::New(env, true);
  return Napi::Boolean::New(
      env, run_block_units_magnitude_u16(data.data, type, b.rows, b.cols, b.bn, b.bm, op, units.data) != kNonFinite);
}

// prune16ApplyBlocks(data, blockKeep, rows, cols, blockRows, blockCols, keep): pruned count
Napi::Value prune16_apply_blocks(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<std::uint16_t> data = u16_arg_(info[0], "data");
  const View<std::uint8_t> block_keep = u8_arg(info[1], "blockKeep");
  const Blocks b = blocks_arg_(info, 2, data.length, "data");
  const View<std::uint8_t> keep = u8_arg(info[6], "keep");
  require_length(env, block_keep.length, (b.rows / b.bn) * (b.cols / b.bm), "blockKeep", "one per block");
  require_length(env, keep.length, data.length, "keep", "one per data element");
  require_disjoint(env, keep.data, keep.length, "keep", data.data, data.length * 2, "data", false);
  require_disjoint(env, keep.data, keep.length, "keep", block_keep.data, block_keep.length, "blockKeep", false);
  if (data.length == 0) return Napi::Number::New(env, 0);
  return Napi::Number::New(env, static_cast<double>(prune16_kernels().apply_blocks_u16(
                                    data.data, block_keep.data, b.rows, b.cols, b.bn, b.bm, keep.data)));
}

Napi::Value pair_(const Napi::Env& env, std::size_t first, std::size_t second) {
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(first)));
  out.Set(1u, Napi::Number::New(env, static_cast<double>(second)));
  return out;
}

// maskCountBlocks(keep, rows, cols, blockRows, blockCols): [blocks with nothing kept, kept elements]
Napi::Value mask_count_blocks(const Napi::CallbackInfo& info) {
  const View<std::uint8_t> keep = u8_arg(info[0], "keep");
  const Blocks b = blocks_arg_(info, 1, keep.length, "keep");
  std::size_t kept = 0;
  const std::size_t zero =
      keep.length == 0 ? 0 : prune16_kernels().count_zero_blocks_u8(keep.data, b.rows, b.cols, b.bn, b.bm, &kept);
  return pair_(info.Env(), zero, kept);
}

// maskCountGroups(keep, n, m): [groups of m with at least n zeros, kept elements]
Napi::Value mask_count_groups(const Napi::CallbackInfo& info) {
  const View<std::uint8_t> keep = u8_arg(info[0], "keep");
  const std::size_t n = size_arg(info[1], "n"), m = size_arg(info[2], "m");
  require_groups_(info.Env(), keep.length, n, m, kMaxNmGroup);
  std::size_t kept = 0;
  const std::size_t sparse = prune16_kernels().count_sparse_groups_u8(keep.data, keep.length, static_cast<unsigned>(n),
                                                                      static_cast<unsigned>(m), &kept);
  return pair_(info.Env(), sparse, kept);
}

}  // namespace

const Export kPrune16Exports[] = {
    {"prune16Nm", prune16_nm},
    {"prune16BlockUnits", prune16_block_units},
    {"prune16ApplyBlocks", prune16_apply_blocks},
    {"maskCountBlocks", mask_count_blocks},
    {"maskCountGroups", mask_count_groups},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
