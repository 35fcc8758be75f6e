// The asynchronous scoring call. As in sharp: the JS thread checks the arguments and copies the pointers
// into a plain struct; Execute touches only that struct and raw memory; the arrays are pinned by
// references this worker owns, so the garbage collector cannot free them while the work is in flight.
#include "score_async.h"

#include <string>
#include <vector>

namespace prunekit::addon {
namespace {

class ScoreBatchWorker : public Napi::AsyncWorker {
 public:
  ScoreBatchWorker(Napi::Env env, BatchArgs args, Napi::Float64Array counts)
      : Napi::AsyncWorker(env, "prunekit:scoreBatch"),
        deferred_(Napi::Promise::Deferred::New(env)),
        args_(std::move(args)),
        counts_(args_.targets.size()) {
    for (const Napi::Object& array : args_.arrays) pins_.push_back(Napi::Persistent(array));
    pins_.push_back(Napi::Persistent(counts.As<Napi::Object>()));
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    written_ = run_score_batch({args_.op, args_.alpha, args_.beta, args_.targets.data(), args_.targets.size()},
                               args_.mode, counts_.data());
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    // A buffer transferred while the work ran: its old memory is still alive in the new owner, but the
    // caller's view of the result is gone, so the call fails rather than pretend it scored that module.
    for (std::size_t i = 0; i < pins_.size(); ++i)
      if (pins_[i].Value().As<Napi::TypedArray>().ArrayBuffer().IsDetached()) {
        const std::string name = i + 1 < pins_.size() ? batch_array_name(args_, i) : "counts";  // counts is pinned last
        Napi::Error error = Napi::Error::New(env, name + " was detached while the scoring call was in flight");
        error.Set("detached", Napi::String::New(env, name));
        deferred_.Reject(error.Value());
        return;
      }
    Napi::Float64Array counts = pins_.back().Value().As<Napi::Float64Array>();
    for (std::size_t i = 0; i < counts_.size(); ++i) counts[i] = static_cast<double>(counts_[i]);
    deferred_.Resolve(Napi::Boolean::New(env, written_));
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  BatchArgs args_;
  std::vector<Napi::ObjectReference> pins_;
  std::vector<std::size_t> counts_;
  bool written_ = false;
};

}  // namespace

Napi::Promise queue_score_batch(Napi::Env env, BatchArgs args, Napi::Float64Array counts) {
  auto* worker = new ScoreBatchWorker(env, std::move(args), counts);  // deletes itself when done
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace prunekit::addon
