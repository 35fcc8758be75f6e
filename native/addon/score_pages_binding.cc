// scorePages(n): an ArrayBuffer of n zeroed floats in a page mapping of its own, for a criterion's scores
// (native/runtime/score_pages.h: "skip" then publishes new scores by moving pages); null below
// score_pages::kMinScores (3M floats) or where no such mapping can be made (the caller makes an ordinary array).
// JavaScript wraps it in its own Float32Array, of its own realm.
//
// Unmapping: Node runs an external buffer's finalizer from the event loop, after the garbage collector found
// it dead, so a synchronous loop that makes and drops criteria would hold every mapping until it yields
// (measured: 16 MiB a criterion, 4.8 GB after 300). Each buffer is therefore also held by a weak reference,
// which the collector clears when it finds the buffer dead, without waiting for the event loop: every call
// sweeps the buffers of its thread, unmapping those whose reference is cleared (nothing can reach their
// memory any more), and the finalizer unmaps what is left. Measured on Node 20, a reference is cleared only
// by a full collection after a scavenge has moved the buffer out of the young generation, so when memory
// comes back follows the collector's schedule (docs/performance.md, "The guard": the figures).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../runtime/score_pages.h"
#include "../runtime/sync.h"
#include "args.h"
#include "exports.h"

namespace prunekit::addon {
namespace {

// One buffer handed out, until its finalizer runs.
struct Handed {
  napi_env env;  // the thread (main or worker) it belongs to: only that thread may read `weak`
  float* data;
  std::int64_t bytes;
  Napi::Reference<Napi::ArrayBuffer> weak;
  bool unmapped = false;
};

struct HandedList {
  Mutex mutex;
  std::vector<Handed*> items;
};
HandedList& handed_() {
  static HandedList list;
  return list;
}

void unmap_(Handed* h) {
  score_pages::release(h->data);
  Napi::MemoryManagement::AdjustExternalMemory(h->env, -h->bytes);
  h->unmapped = true;
}

// Unmaps this thread's buffers that the collector found dead.
void sweep_(napi_env env) {
  HandedList& list = handed_();
  list.mutex.lock();
  for (Handed* h : list.items)
    if (h->env == env && !h->unmapped && h->weak.Value().IsEmpty()) unmap_(h);
  list.mutex.unlock();
}

void finalize_(Napi::Env, void*, Handed* h) {
  HandedList& list = handed_();
  list.mutex.lock();
  list.items.erase(std::find(list.items.begin(), list.items.end(), h));
  list.mutex.unlock();
  if (!h->unmapped) unmap_(h);
  delete h;
}

Napi::Value new_score_pages(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  // 2^32 - 1 elements: the longest typed array every supported Node makes.
  const std::size_t n = static_cast<std::size_t>(integer_arg(info[0], "length", 0, 4294967295.0));
  // A small ArrayBuffer of V8's own: creating one is where V8 checks the bytes of young buffers (ours count)
  // and collects the young generation when they pass its limit, so dead buffers are found while the loop runs.
  Napi::ArrayBuffer::New(env, 1);
  sweep_(env);
  float* const data = score_pages::allocate(n);
  if (!data) return env.Null();
  auto* const h = new Handed{env, data, static_cast<std::int64_t>(score_pages::mapped_bytes(n)), {}};
  Napi::ArrayBuffer buffer;
  try {
    buffer = Napi::ArrayBuffer::New(env, data, n * sizeof(float), finalize_, h);
  } catch (const Napi::Error&) {  // a runtime that refuses external buffers: an ordinary array
    score_pages::release(data);
    delete h;
    return env.Null();
  }
  h->weak = Napi::Weak(buffer);
  HandedList& list = handed_();
  list.mutex.lock();
  list.items.push_back(h);
  list.mutex.unlock();
  // The mapping is memory V8 does not see: telling it lets the collector weigh it (and run sooner).
  Napi::MemoryManagement::AdjustExternalMemory(env, h->bytes);
  return buffer;
}

}  // namespace

const Export kScorePagesExports[] = {
    {"scorePages", new_score_pages},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
