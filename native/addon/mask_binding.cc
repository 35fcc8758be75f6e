// Bindings of the mask engine: check every argument (type, range, lengths) before any memory is touched,
// take the pointers, call the runtime. The arithmetic of a selection lives in lib/pruning/selection.ts; the
// numbers here are only checked, never computed with.
#include <cmath>
#include <cstdint>
#include <string>

#include "../runtime/mask_runtime.h"
#include "args.h"
#include "exports.h"

namespace prunekit::addon {
namespace {

// rows * cols, or a RangeError if it does not match `length` (overflow included).
void require_matrix_(const Napi::Env& env, std::size_t length, std::size_t rows, std::size_t cols, const char* name) {
  std::size_t product = 0;
  if (__builtin_mul_overflow(rows, cols, &product) || product != length)
    throw Napi::RangeError::New(env, std::string(name) + " has " + std::to_string(length) +
                                         " elements, expected rows x cols = " + std::to_string(rows) + " x " +
                                         std::to_string(cols));
}

void require_block_(const Napi::Env& env, std::size_t rows, std::size_t cols, std::size_t bn, std::size_t bm) {
  if (bn == 0 || bm == 0) throw Napi::RangeError::New(env, "blockRows and blockCols must be at least 1");
  if (rows % bn != 0 || cols % bm != 0)
    throw Napi::RangeError::New(env, "block " + std::to_string(bn) + "x" + std::to_string(bm) +
                                         " does not divide the " + std::to_string(rows) + " x " + std::to_string(cols) +
                                         " matrix");
}

BlockReduce reduce_arg_(const Napi::Value& value) {
  static const char* const kNames[] = {"mean", "sum", "max", nullptr};
  static const BlockReduce kReduces[] = {BlockReduce::kMean, BlockReduce::kSum, BlockReduce::kMax};
  return kReduces[enum_arg(value, "reduce", kNames)];
}

// maskReduceBlocks(scores, rows, cols, blockRows, blockCols, reduce, out)
Napi::Value mask_reduce_blocks(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> scores = float32_arg(info[0], "scores");
  const std::size_t rows = size_arg(info[1], "rows"), cols = size_arg(info[2], "cols");
  const std::size_t bn = size_arg(info[3], "blockRows"), bm = size_arg(info[4], "blockCols");
  const BlockReduce op = reduce_arg_(info[5]);
  const View<float> out = float32_arg(info[6], "out");
  require_matrix_(env, scores.length, rows, cols, "scores");
  require_block_(env, rows, cols, bn, bm);
  require_length(env, out.length, (rows / bn) * (cols / bm), "out", "one per block");
  require_disjoint(env, out.data, out.length * 4, "out", scores.data, scores.length * 4, "scores", false);
  // An empty matrix may carry a huge other dimension (2^53 - 1 x 0): nothing for a kernel loop to walk.
  if (rows == 0 || cols == 0) return env.Undefined();
  run_mask_reduce_blocks(scores.data, rows, cols, bn, bm, op, out.data);
  return env.Undefined();
}

// selectKeys(scores, keys)
Napi::Value select_keys(const Napi::CallbackInfo& info) {
  const View<float> scores = float32_arg(info[0], "scores");
  const View<std::uint32_t> keys = u32_arg(info[1], "keys");
  require_length(info.Env(), keys.length, scores.length, "keys", "one per score");
  require_disjoint(info.Env(), keys.data, keys.length * 4, "keys", scores.data, scores.length * 4, "scores", true);
  run_select_keys(scores.data, scores.length, keys.data);
  return info.Env().Undefined();
}

// selectHistogram(scores, prefix, prefixBits, digitBits, hist) -> elements counted
Napi::Value select_histogram(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> scores = float32_arg(info[0], "scores");
  const double prefix = integer_arg(info[1], "prefix", 0, 4294967295.0);
  const unsigned digit_bits = static_cast<unsigned>(integer_arg(info[3], "digitBits", 1, kMaxDigitBits));
  const unsigned prefix_bits = static_cast<unsigned>(integer_arg(info[2], "prefixBits", 0, 32 - digit_bits));
  const View<std::uint32_t> hist = u32_arg(info[4], "hist");
  if (prefix >= std::ldexp(1.0, static_cast<int>(prefix_bits)))
    throw Napi::RangeError::New(env, "prefix must be below 2^prefixBits");
  require_length(env, hist.length, std::size_t{1} << digit_bits, "hist", "2^digitBits bins");
  require_disjoint(env, hist.data, hist.length * 4, "hist", scores.data, scores.length * 4, "scores", false);
  const std::size_t counted = run_select_histogram(scores.data, scores.length, static_cast<std::uint32_t>(prefix),
                                                   prefix_bits, digit_bits, hist.data);
  return Napi::Number::New(env, static_cast<double>(counted));
}

// selectCount(scores, key) -> elements whose key equals `key`
Napi::Value select_count(const Napi::CallbackInfo& info) {
  const View<float> scores = float32_arg(info[0], "scores");
  const double key = integer_arg(info[1], "key", 0, 4294967295.0);
  return Napi::Number::New(
      info.Env(), static_cast<double>(run_select_count(scores.data, scores.length, static_cast<std::uint32_t>(key))));
}

// selectGather(scores, prefix, prefixBits, out) -> scores whose key starts with the prefix (copied while out has room)
Napi::Value select_gather(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> scores = float32_arg(info[0], "scores");
  const double prefix = integer_arg(info[1], "prefix", 0, 4294967295.0);
  const unsigned prefix_bits = static_cast<unsigned>(integer_arg(info[2], "prefixBits", 1, 32));
  const View<float> out = float32_arg(info[3], "out");
  if (prefix >= std::ldexp(1.0, static_cast<int>(prefix_bits)))
    throw Napi::RangeError::New(env, "prefix must be below 2^prefixBits");
  require_disjoint(env, out.data, out.length * 4, "out", scores.data, scores.length * 4, "scores", false);
  const std::size_t found = run_select_gather(scores.data, scores.length, static_cast<std::uint32_t>(prefix),
                                              prefix_bits, out.data, out.length);
  return Napi::Number::New(env, static_cast<double>(found));
}

// selectEmit(scores, key, quota, keep) -> ties (elements whose key equals `key`)
Napi::Value select_emit(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> scores = float32_arg(info[0], "scores");
  const double key = integer_arg(info[1], "key", 0, 4294967295.0);
  std::size_t quota = SIZE_MAX;
  if (!(info[2].IsNumber() && std::isinf(info[2].As<Napi::Number>().DoubleValue()) &&
        info[2].As<Napi::Number>().DoubleValue() > 0))
    quota = size_arg(info[2], "quota");
  const View<std::uint8_t> keep = u8_arg(info[3], "keep");
  require_length(env, keep.length, scores.length, "keep", "one per score");
  require_disjoint(env, keep.data, keep.length, "keep", scores.data, scores.length * 4, "scores", false);
  const std::size_t ties =
      run_select_emit(scores.data, scores.length, static_cast<std::uint32_t>(key), quota, keep.data);
  return Napi::Number::New(env, static_cast<double>(ties));
}

// maskNM(scores, n, m, mode, keep) -> zeros written
Napi::Value mask_nm(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> scores = float32_arg(info[0], "scores");
  const unsigned m = static_cast<unsigned>(integer_arg(info[2], "m", 2, kMaxNmGroup));
  const unsigned n = static_cast<unsigned>(integer_arg(info[1], "n", 1, m - 1));
  static const char* const kModes[] = {"exact", "threshold", nullptr};
  const bool threshold = enum_arg(info[3], "mode", kModes) == 1;
  const View<std::uint8_t> keep = u8_arg(info[4], "keep");
  if (scores.length % m != 0)
    throw Napi::RangeError::New(
        env, "scores has " + std::to_string(scores.length) + " elements, not a multiple of m = " + std::to_string(m));
  require_length(env, keep.length, scores.length, "keep", "one per score");
  require_disjoint(env, keep.data, keep.length, "keep", scores.data, scores.length * 4, "scores", false);
  return Napi::Number::New(env,
                           static_cast<double>(run_mask_nm(scores.data, scores.length, n, m, threshold, keep.data)));
}

// maskExpandBlocks(blockKeep, rows, cols, blockRows, blockCols, keep)
Napi::Value mask_expand_blocks(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<std::uint8_t> block_keep = u8_arg(info[0], "blockKeep");
  const std::size_t rows = size_arg(info[1], "rows"), cols = size_arg(info[2], "cols");
  const std::size_t bn = size_arg(info[3], "blockRows"), bm = size_arg(info[4], "blockCols");
  const View<std::uint8_t> keep = u8_arg(info[5], "keep");
  require_matrix_(env, keep.length, rows, cols, "keep");
  require_block_(env, rows, cols, bn, bm);
  require_length(env, block_keep.length, (rows / bn) * (cols / bm), "blockKeep", "one per block");
  require_disjoint(env, keep.data, keep.length, "keep", block_keep.data, block_keep.length, "blockKeep", false);
  // An empty matrix may carry a huge other dimension (2^53 - 1 x 0): nothing for a kernel loop to walk.
  if (rows == 0 || cols == 0) return env.Undefined();
  run_mask_expand_blocks(block_keep.data, rows, cols, bn, bm, keep.data);
  return env.Undefined();
}

// maskApply(weight, keep, grad?)
Napi::Value mask_apply(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> weight = float32_arg(info[0], "weight");
  const View<std::uint8_t> keep = u8_arg(info[1], "keep");
  View<float> grad{nullptr, 0};
  const bool has_grad = !(info[2].IsUndefined() || info[2].IsNull());
  if (has_grad) grad = float32_arg(info[2], "grad");
  require_length(env, keep.length, weight.length, "keep", "one per weight");
  if (has_grad) require_length(env, grad.length, weight.length, "grad", "one per weight");
  require_disjoint(env, weight.data, weight.length * 4, "weight", keep.data, keep.length, "keep", false);
  if (has_grad) {
    require_disjoint(env, grad.data, grad.length * 4, "grad", keep.data, keep.length, "keep", false);
    require_disjoint(env, grad.data, grad.length * 4, "grad", weight.data, weight.length * 4, "weight", true);
  }
  run_mask_apply(weight.data, grad.data, keep.data, weight.length);
  return env.Undefined();
}

}  // namespace

const Export kMaskExports[] = {
    {"maskReduceBlocks", mask_reduce_blocks},
    {"selectKeys", select_keys},
    {"selectHistogram", select_histogram},
    {"selectCount", select_count},
    {"selectEmit", select_emit},
    {"selectGather", select_gather},
    {"maskNM", mask_nm},
    {"maskExpandBlocks", mask_expand_blocks},
    {"maskApply", mask_apply},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
