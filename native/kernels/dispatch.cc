// The best-first table of kernel sets and the switch between them.
#include "dispatch.h"

#include <atomic>
#include <cstring>

#include "cpu_features.h"

namespace prunekit {
namespace {

struct IsaEntry {
  Isa isa;
  const ScoreKernels* score;
  const MaskKernels* mask;
  const HalfKernels* half;
  const Prune16Kernels* prune16;
};

// Best first: the first supported entry is the default.
constexpr IsaEntry kIsaTable[] = {
#if defined(__x86_64__) || defined(_M_X64)
    {kIsaAvx512, &score_kernels_avx512, &mask_kernels_avx512, &half_kernels_avx512,
     &prune16_kernels_avx2 /* no AVX-512 prune16 kernels: AVX-512 machines run the AVX2 ones */},
    {kIsaAvx2, &score_kernels_avx2, &mask_kernels_avx2, &half_kernels_avx2, &prune16_kernels_avx2},
#endif
#if defined(__aarch64__)
    {kIsaNeon, &score_kernels_neon, &mask_kernels_neon, &half_kernels_neon, &prune16_kernels_neon},
#endif
    {kIsaSerial, &score_kernels_serial, &mask_kernels_serial, &half_kernels_serial, &prune16_kernels_serial},
};

constexpr std::size_t kIsaCount = sizeof kIsaTable / sizeof kIsaTable[0];

// `simd` with every empty (null) entry taken from `lower`, the next set of kIsaTable, already filled: a set
// implements only the kernels where it gains, and the others run the next set's (AVX-512 -> AVX2 ->
// scalar; a CPU with AVX-512 has AVX2). A table holds function pointers only.
template <typename Table>
Table with_fallback_(const Table& simd, const Table& lower) {
  using Slot = void (*)();
  static_assert(sizeof(Table) % sizeof(Slot) == 0, "a kernel table holds function pointers only");
  Table out = simd;
  for (std::size_t at = 0; at < sizeof(Table); at += sizeof(Slot)) {
    Slot slot = nullptr;
    std::memcpy(&slot, reinterpret_cast<const char*>(&out) + at, sizeof slot);
    if (slot == nullptr)
      std::memcpy(reinterpret_cast<char*>(&out) + at, reinterpret_cast<const char*>(&lower) + at, sizeof slot);
  }
  return out;
}

struct Tables {
  ScoreKernels score;
  MaskKernels mask;
  HalfKernels half;
  Prune16Kernels prune16;
};

// kIsaTable's tables with their empty entries filled, in kIsaTable's order.
const Tables* tables_() {
  static const auto* tables = [] {
    static Tables filled[kIsaCount];
    // From the last (the complete scalar set) up, each set's gaps from the one below it.
    for (std::size_t i = kIsaCount; i-- > 0;) {
      const Tables lower = i + 1 < kIsaCount ? filled[i + 1]
                                             : Tables{score_kernels_serial, mask_kernels_serial, half_kernels_serial,
                                                      prune16_kernels_serial};
      filled[i] = {with_fallback_(*kIsaTable[i].score, lower.score), with_fallback_(*kIsaTable[i].mask, lower.mask),
                   with_fallback_(*kIsaTable[i].half, lower.half),
                   with_fallback_(*kIsaTable[i].prune16, lower.prune16)};
    }
    return filled;
  }();
  return tables;
}

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
  for (const IsaName& known : kIsaNames)
    if (known.isa == isa) return known.name;
  return "scalar";
}

bool isa_parse(const char* name, Isa* out) {
  if (std::strcmp(name, "serial") == 0) name = isa_name(kIsaSerial);
  for (const IsaName& known : kIsaNames)
    if (std::strcmp(known.name, name) == 0) {
      *out = known.isa;
      return true;
    }
  return false;
}

const ScoreKernels& score_kernels() { return tables_()[active_().load(std::memory_order_acquire) - kIsaTable].score; }

const MaskKernels& mask_kernels() { return tables_()[active_().load(std::memory_order_acquire) - kIsaTable].mask; }

const HalfKernels& half_kernels() { return tables_()[active_().load(std::memory_order_acquire) - kIsaTable].half; }

const Prune16Kernels& prune16_kernels() {
  return tables_()[active_().load(std::memory_order_acquire) - kIsaTable].prune16;
}

}  // namespace prunekit
