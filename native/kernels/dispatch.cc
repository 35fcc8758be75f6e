// The best-first table of kernel sets and the switch between them.
#include "dispatch.h"

#include <atomic>
#include <cstring>

#include "cpu_features.h"

namespace prunekit {
namespace {

struct IsaEntry {
  Isa isa;
  const char* name;
  const ScoreKernels* score;
  const MaskKernels* mask;
};

// Best first: the first supported entry is the default.
constexpr IsaEntry kIsaTable[] = {
#if defined(__x86_64__) || defined(_M_X64)
    {kIsaAvx512, "avx512", &score_kernels_avx512, &mask_kernels_avx512},
    {kIsaAvx2, "avx2", &score_kernels_avx2, &mask_kernels_avx2},
#endif
#if defined(__aarch64__)
    {kIsaNeon, "neon", &score_kernels_neon, &mask_kernels_neon},
#endif
    {kIsaSerial, "scalar", &score_kernels_serial, &mask_kernels_serial},
};

const IsaEntry* find_(Isa isa) {
  for (const IsaEntry& entry : kIsaTable)
    if (entry.isa == isa) return &entry;
  return nullptr;
}

const IsaEntry* best_supported_() {
  const unsigned supported = isa_supported();
  for (const IsaEntry& entry : kIsaTable)
    if (supported & entry.isa) return &entry;
  return find_(kIsaSerial);
}

std::atomic<const IsaEntry*>& active_() {
  static std::atomic<const IsaEntry*> active{best_supported_()};
  return active;
}

}  // namespace

unsigned isa_compiled() {
  unsigned isas = 0;
  for (const IsaEntry& entry : kIsaTable) isas |= entry.isa;
  return isas;
}

unsigned isa_supported() {
  static const unsigned supported = isa_compiled() & detect_cpu_isas();
  return supported;
}

Isa isa_active() { return active_().load(std::memory_order_acquire)->isa; }

bool isa_select(Isa isa) {
  if (!(isa_supported() & isa)) return false;
  active_().store(find_(isa), std::memory_order_release);
  return true;
}

const char* isa_name(Isa isa) {
  const IsaEntry* entry = find_(isa);
  if (entry) return entry->name;
  switch (isa) {  // known names of sets not compiled into this binary
    case kIsaAvx2: return "avx2";
    case kIsaAvx512: return "avx512";
    case kIsaNeon: return "neon";
    default: return "scalar";
  }
}

bool isa_parse(const char* name, Isa* out) {
  static const struct { const char* name; Isa isa; } kNames[] = {
      {"scalar", kIsaSerial}, {"serial", kIsaSerial}, {"avx2", kIsaAvx2}, {"avx512", kIsaAvx512}, {"neon", kIsaNeon}};
  for (const auto& known : kNames)
    if (std::strcmp(known.name, name) == 0) {
      *out = known.isa;
      return true;
    }
  return false;
}

const ScoreKernels& score_kernels() { return *active_().load(std::memory_order_acquire)->score; }

const MaskKernels& mask_kernels() { return *active_().load(std::memory_order_acquire)->mask; }

}  // namespace prunekit
