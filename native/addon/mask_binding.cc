// Bindings of the mask engine: check every argument (type, range, lengths) before any memory is touched,
// take the pointers, call the runtime. The arithmetic of a selection lives in lib/pruning/selection.ts; the
// numbers here are only checked, never computed with.
#include "mask_binding.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "../runtime/mask_runtime.h"
#include "args.h"

namespace prunekit::addon {
namespace {

View<std::uint8_t> u8_arg_(const Napi::Value& value, const char* name) {
  return typed_array_arg<std::uint8_t>(value, napi_uint8_array, "Uint8Array", name);
}
View<std::uint32_t> u32_arg_(const Napi::Value& value, const char* name) {
  return typed_array_arg<std::uint32_t>(value, napi_uint32_array, "Uint32Array", name);
}

std::string number_text_(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

// An integer in [min, max] (max at most 2^53).
double integer_arg_(const Napi::Value& value, const char* name, double min, double max) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= min && number <= max) || std::floor(number) != number)
    throw Napi::RangeError::New(value.Env(), std::string(name) + " must be an integer from " + number_text_(min) + " to " +
                                                 number_text_(max) + ", got " + number_text_(number));
  return number;
}

constexpr double kMaxSafe = 9007199254740991.0;  // 2^53 - 1

std::size_t size_arg_(const Napi::Value& value, const char* name) {
  return static_cast<std::size_t>(integer_arg_(value, name, 0, kMaxSafe));
}

void require_length_(const Napi::Env& env, std::size_t length, std::size_t want, const char* name, const char* what) {
  if (length != want)
    throw Napi::RangeError::New(env, std::string(name) + " has " + std::to_string(length) + " elements, expected " +
                                         std::to_string(want) + " (" + what + ")");
}

// rows * cols, or a RangeError if it does not match `length` (overflow included).
void require_matrix_(const Napi::Env& env, std::size_t length, std::size_t rows, std::size_t cols, const char* name) {
  std::size_t product = 0;
  if (__builtin_mul_overflow(rows, cols, &product) || product != length)
    throw Napi::RangeError::New(env, std::string(name) + " has " + std::to_string(length) + " elements, expected rows x cols = " +
                                         std::to_string(rows) + " x " + std::to_string(cols));
}

void require_block_(const Napi::Env& env, std::size_t rows, std::size_t cols, std::size_t bn, std::size_t bm) {
  if (bn == 0 || bm == 0) throw Napi::RangeError::New(env, "blockRows and blockCols must be at least 1");
  if (rows % bn != 0 || cols % bm != 0)
    throw Napi::RangeError::New(env, "block " + std::to_string(bn) + "x" + std::to_string(bm) + " does not divide the " +
                                         std::to_string(rows) + " x " + std::to_string(cols) + " matrix");
}

BlockReduce reduce_arg_(const Napi::Value& value) {
  if (value.IsString()) {
    const std::string name = value.As<Napi::String>().Utf8Value();
    if (name == "mean") return BlockReduce::kMean;
    if (name == "sum") return BlockReduce::kSum;
    if (name == "max") return BlockReduce::kMax;
  }
  throw Napi::TypeError::New(value.Env(), "reduce must be \"mean\", \"sum\" or \"max\"");
}

// maskReduceBlocks(scores, rows, cols, blockRows, blockCols, reduce, out)
Napi::Value mask_reduce_blocks(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> scores = float32_arg(info[0], "scores");
  const std::size_t rows = size_arg_(info[1], "rows"), cols = size_arg_(info[2], "cols");
  const std::size_t bn = size_arg_(info[3], "blockRows"), bm = size_arg_(info[4], "blockCols");
  const BlockReduce op = reduce_arg_(info[5]);
  const View<float> out = float32_arg(info[6], "out");
  require_matrix_(env, scores.length, rows, cols, "scores");
  require_block_(env, rows, cols, bn, bm);
  require_length_(env, out.length, (rows / bn) * (cols / bm), "out", "one per block");
  // An empty matrix may carry a huge other dimension (2^53 - 1 x 0): nothing for a kernel loop to walk.
  if (rows == 0 || cols == 0) return env.Undefined();
  run_mask_reduce_blocks(scores.data, rows, cols, bn, bm, op, out.data);
  return env.Undefined();
}

// selectKeys(scores, keys)
Napi::Value select_keys(const Napi::CallbackInfo& info) {
  const View<float> scores = float32_arg(info[0], "scores");
  const View<std::uint32_t> keys = u32_arg_(info[1], "keys");
  require_length_(info.Env(), keys.length, scores.length, "keys", "one per score");
  run_select_keys(scores.data, scores.length, keys.data);
  return info.Env().Undefined();
}

// selectHistogram(scores, prefix, prefixBits, digitBits, hist) -> elements counted
Napi::Value select_histogram(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> scores = float32_arg(info[0], "scores");
  const double prefix = integer_arg_(info[1], "prefix", 0, 4294967295.0);
  const unsigned digit_bits = static_cast<unsigned>(integer_arg_(info[3], "digitBits", 1, kMaxDigitBits));
  const unsigned prefix_bits = static_cast<unsigned>(integer_arg_(info[2], "prefixBits", 0, 32 - digit_bits));
  const View<std::uint32_t> hist = u32_arg_(info[4], "hist");
  if (prefix >= std::ldexp(1.0, static_cast<int>(prefix_bits)))
    throw Napi::RangeError::New(env, "prefix must be below 2^prefixBits");
  require_length_(env, hist.length, std::size_t{1} << digit_bits, "hist", "2^digitBits bins");
  const std::size_t counted = run_select_histogram(scores.data, scores.length, static_cast<std::uint32_t>(prefix),
                                                   prefix_bits, digit_bits, hist.data);
  return Napi::Number::New(env, static_cast<double>(counted));
}

// selectCount(scores, key) -> elements whose key equals `key`
Napi::Value select_count(const Napi::CallbackInfo& info) {
  const View<float> scores = float32_arg(info[0], "scores");
  const double key = integer_arg_(info[1], "key", 0, 4294967295.0);
  return Napi::Number::New(info.Env(), static_cast<double>(run_select_count(scores.data, scores.length, static_cast<std::uint32_t>(key))));
}

// selectEmit(scores, key, quota, keep) -> ties (elements whose key equals `key`)
Napi::Value select_emit(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> scores = float32_arg(info[0], "scores");
  const double key = integer_arg_(info[1], "key", 0, 4294967295.0);
  std::size_t quota = SIZE_MAX;
  if (!(info[2].IsNumber() && std::isinf(info[2].As<Napi::Number>().DoubleValue()) && info[2].As<Napi::Number>().DoubleValue() > 0))
    quota = size_arg_(info[2], "quota");
  const View<std::uint8_t> keep = u8_arg_(info[3], "keep");
  require_length_(env, keep.length, scores.length, "keep", "one per score");
  const std::size_t ties = run_select_emit(scores.data, scores.length, static_cast<std::uint32_t>(key), quota, keep.data);
  return Napi::Number::New(env, static_cast<double>(ties));
}

// maskNM(scores, n, m, mode, keep) -> zeros written
Napi::Value mask_nm(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> scores = float32_arg(info[0], "scores");
  const unsigned m = static_cast<unsigned>(integer_arg_(info[2], "m", 2, 65536));
  const unsigned n = static_cast<unsigned>(integer_arg_(info[1], "n", 1, m - 1));
  bool threshold = false;
  const std::string mode = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : std::string();
  if (mode == "threshold") threshold = true;
  else if (mode != "exact") throw Napi::TypeError::New(env, "mode must be \"exact\" or \"threshold\"");
  const View<std::uint8_t> keep = u8_arg_(info[4], "keep");
  if (scores.length % m != 0)
    throw Napi::RangeError::New(env, "scores has " + std::to_string(scores.length) + " elements, not a multiple of m = " + std::to_string(m));
  require_length_(env, keep.length, scores.length, "keep", "one per score");
  return Napi::Number::New(env, static_cast<double>(run_mask_nm(scores.data, scores.length, n, m, threshold, keep.data)));
}

// maskExpandBlocks(blockKeep, rows, cols, blockRows, blockCols, keep)
Napi::Value mask_expand_blocks(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<std::uint8_t> block_keep = u8_arg_(info[0], "blockKeep");
  const std::size_t rows = size_arg_(info[1], "rows"), cols = size_arg_(info[2], "cols");
  const std::size_t bn = size_arg_(info[3], "blockRows"), bm = size_arg_(info[4], "blockCols");
  const View<std::uint8_t> keep = u8_arg_(info[5], "keep");
  require_matrix_(env, keep.length, rows, cols, "keep");
  require_block_(env, rows, cols, bn, bm);
  require_length_(env, block_keep.length, (rows / bn) * (cols / bm), "blockKeep", "one per block");
  // An empty matrix may carry a huge other dimension (2^53 - 1 x 0): nothing for a kernel loop to walk.
  if (rows == 0 || cols == 0) return env.Undefined();
  run_mask_expand_blocks(block_keep.data, rows, cols, bn, bm, keep.data);
  return env.Undefined();
}

// maskApply(weight, keep, grad?)
Napi::Value mask_apply(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const View<float> weight = float32_arg(info[0], "weight");
  const View<std::uint8_t> keep = u8_arg_(info[1], "keep");
  View<float> grad{nullptr, 0};
  const bool has_grad = !(info[2].IsUndefined() || info[2].IsNull());
  if (has_grad) grad = float32_arg(info[2], "grad");
  require_length_(env, keep.length, weight.length, "keep", "one per weight");
  if (has_grad) require_length_(env, grad.length, weight.length, "grad", "one per weight");
  run_mask_apply(weight.data, grad.data, keep.data, weight.length);
  return env.Undefined();
}

}  // namespace

void register_mask_bindings(Napi::Env env, Napi::Object exports) {
  exports.Set("maskReduceBlocks", Napi::Function::New(env, mask_reduce_blocks, "maskReduceBlocks"));
  exports.Set("selectKeys", Napi::Function::New(env, select_keys, "selectKeys"));
  exports.Set("selectHistogram", Napi::Function::New(env, select_histogram, "selectHistogram"));
  exports.Set("selectCount", Napi::Function::New(env, select_count, "selectCount"));
  exports.Set("selectEmit", Napi::Function::New(env, select_emit, "selectEmit"));
  exports.Set("maskNM", Napi::Function::New(env, mask_nm, "maskNM"));
  exports.Set("maskExpandBlocks", Napi::Function::New(env, mask_expand_blocks, "maskExpandBlocks"));
  exports.Set("maskApply", Napi::Function::New(env, mask_apply, "maskApply"));
}

}  // namespace prunekit::addon
