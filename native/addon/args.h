// Every argument helper of the bindings (one place, as sharp's common.h): each argument is checked before
// any memory is touched, and a bad one throws a TypeError or RangeError naming it. The raw binding can be
// called directly from JavaScript, so these checks stand even though the TypeScript layer checks first.
//
// No helper here converts (no ToNumber, no ToString, no valueOf): a value of the wrong type is refused, so
// reading a number, a string or a typed array never runs user JavaScript. Only reading an element of a
// plain array can (an accessor, a getter on Array.prototype); read_batch_args takes every element first
// and every pointer after, so such code cannot detach, shrink or swap a buffer already checked.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../runtime/score_batch.h"

namespace prunekit::addon {

// A typed view over live memory.
template <typename T>
struct View {
  T* data;
  std::size_t length;
};
using F32View = View<float>;

// "name" or "name[index]" (index -1: none).
std::string arg_label(const char* name, long index = -1);

// A typed array of type `want` (named `type_name` in errors) over a live buffer. Typed arrays of another
// realm (vm.runInNewContext) are accepted: they are the same kind of object. `name` (and `index`, when
// not -1: "weights[3]") is only formatted when there is an error to report.
View<void> typed_array_arg(const Napi::Value& value, napi_typedarray_type want, const char* type_name, const char* name,
                           long index = -1);

template <typename T>
View<T> typed_array_arg(const Napi::Value& value, napi_typedarray_type want, const char* type_name, const char* name,
                        long index = -1) {
  const View<void> raw = typed_array_arg(value, want, type_name, name, index);
  return {static_cast<T*>(raw.data), raw.length};
}

inline F32View float32_arg(const Napi::Value& value, const char* name, long index = -1) {
  return typed_array_arg<float>(value, napi_float32_array, "Float32Array", name, index);
}
inline View<std::uint8_t> u8_arg(const Napi::Value& value, const char* name) {
  return typed_array_arg<std::uint8_t>(value, napi_uint8_array, "Uint8Array", name);
}
inline View<std::uint32_t> u32_arg(const Napi::Value& value, const char* name) {
  return typed_array_arg<std::uint32_t>(value, napi_uint32_array, "Uint32Array", name);
}

// A number (no conversion) that is finite.
double finite_number_arg(const Napi::Value& value, const char* name);
// An integer in [min, max] (max at most 2^53 - 1); the error says the range and the value that came.
double integer_arg(const Napi::Value& value, const char* name, double min, double max);
constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
inline std::size_t size_arg(const Napi::Value& value, const char* name) {
  return static_cast<std::size_t>(integer_arg(value, name, 0, kMaxSafeInteger));
}

// A short string argument, read the one way every binding reads strings: copied to the stack, refused
// (empty) if not a string, longer than the buffer, or holding a NUL ("scalar\0avx512" is not "scalar").
struct ShortString {
  char text[32] = {};
  bool ok = false;
  bool is(const char* other) const;
};
ShortString short_string_arg(const Napi::Value& value);

// One enum parser for every string option: `value` must be one of `names` (a null-terminated list), whose
// index is returned; otherwise a TypeError "<name> must be "a", "b" or "c"".
int enum_arg(const Napi::Value& value, const char* name, const char* const* names);

// "abs" | "abs-mul" | "momentum"
ScoreOp score_op_arg(const Napi::Value& value);
// "compute" | "guarded" | "all-or-nothing"
ScoreMode score_mode_arg(const Napi::Value& value);

void require_same_length(const Napi::Env& env, std::size_t a_length, const char* a_name, std::size_t b_length,
                         const char* b_name, long index = -1);
inline void require_same_length(const Napi::Env& env, const F32View& a, const char* a_name, const F32View& b,
                                const char* b_name, long index = -1) {
  require_same_length(env, a.length, a_name, b.length, b_name, index);
}
// `length` must be `want`; `what` says why ("one per score").
void require_length(const Napi::Env& env, std::size_t length, std::size_t want, const char* name, const char* what);

// The bytes [data, data + bytes) of an output must not overlap those of an input unless both are the same
// view (same start, same length: an in-place call, defined elementwise). A partial overlap would give a
// result that depends on the instruction set and the thread split, so it is refused (RangeError).
bool views_overlap(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes);
void require_disjoint(const Napi::Env& env, const void* out, std::size_t out_bytes, const char* out_name,
                      const void* in, std::size_t in_bytes, const char* in_name, bool same_view_ok);

// Storage that lives on the stack for up to N elements and on the heap beyond: one per call (never shared
// between calls, so a re-entrant call cannot overwrite an outer one's), sized once.
template <typename T, std::size_t N>
class CallBuffer {
 public:
  CallBuffer() = default;
  CallBuffer(const CallBuffer&) = delete;  // data_ may point into the object itself
  CallBuffer& operator=(const CallBuffer&) = delete;
  T* reset(std::size_t n) {
    size_ = n;
    if (n <= N) return data_ = inline_;
    heap_.resize(n);
    return data_ = heap_.data();
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

 private:
  T inline_[N];
  std::vector<T> heap_;
  T* data_ = inline_;
  std::size_t size_ = 0;
};

// The most modules one batch call takes (a model has thousands at most); a longer (or holey) array is
// refused before anything is allocated for it.
constexpr std::uint32_t kMaxBatchModules = 1u << 20;

// A checked batch: scores[i] with weights[i] (and grads[i] unless op is kAbs), equal lengths per module, no
// output overlapping another view of the batch. A plain per-call struct: no JavaScript object in it.
struct BatchArgs {
  ScoreOp op = ScoreOp::kAbs;
  float alpha = 0.f, beta = 0.f;
  ScoreMode mode = ScoreMode::kCompute;
  CallBuffer<ScoreTarget, 8> targets;
  double* counts = nullptr;  // the counts Float64Array's memory (one per module)
};

// Reads (op, weights[], grads[] | null, scores[], alpha, beta, mode, counts) from info[0..7] into `args`.
// Every element of the three lists is read (the only step that may run user JavaScript) before any
// length or pointer is taken. With `arrays` (an asynchronous call), every typed array of the batch is kept
// for pinning: per module weight, scores, then grad; the counts array last.
void read_batch_args(const Napi::CallbackInfo& info, BatchArgs& args, std::vector<napi_value>* arrays = nullptr);
// The name of arrays[i] of a batch read with `arrays`: "weights[0]", "scores[0]", "grads[0]", ..., "counts".
std::string batch_array_name(ScoreOp op, std::size_t i, std::size_t array_count);

}  // namespace prunekit::addon
