// scorePages(n): an ArrayBuffer of n zeroed floats in a page mapping of its own, for a criterion's scores
// (native/runtime/score_pages.h: "skip" then publishes new scores by moving pages); null below
// score_pages::kMinScores or where no such mapping can be made (the caller makes an ordinary array).
// JavaScript wraps it in its own Float32Array, of its own realm.
#include "../runtime/score_pages.h"
#include "args.h"
#include "exports.h"

namespace prunekit::addon {
namespace {

void release_(Napi::Env env, void* data, std::size_t* bytes) {
  score_pages::release(static_cast<float*>(data));
  Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(*bytes));
  delete bytes;
}

Napi::Value new_score_pages(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  // 2^32 - 1 elements: the longest typed array every supported Node makes.
  const std::size_t n = static_cast<std::size_t>(integer_arg(info[0], "length", 0, 4294967295.0));
  float* const data = score_pages::allocate(n);
  if (!data) return env.Null();
  auto* const bytes = new std::size_t(score_pages::mapped_bytes(n));
  Napi::ArrayBuffer buffer;
  try {
    buffer = Napi::ArrayBuffer::New(env, data, n * sizeof(float), release_, bytes);
  } catch (const Napi::Error&) {  // a runtime that refuses external buffers: an ordinary array
    score_pages::release(data);
    delete bytes;
    return env.Null();
  }
  // The mapping is memory V8 does not see: telling it lets the garbage collector weigh it.
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(*bytes));
  return buffer;
}

}  // namespace

const Export kScorePagesExports[] = {
    {"scorePages", new_score_pages},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
