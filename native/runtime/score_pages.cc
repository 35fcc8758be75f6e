#include "score_pages.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>

#include "sync.h"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4  // Linux 5.7; older headers lack it, an older kernel refuses it (EINVAL)
#endif
#endif

namespace prunekit::score_pages {
namespace {

#if defined(__linux__)
// The kernel's page (4 KiB on x86-64; 4, 16 or 64 KiB on AArch64): mappings and moves are whole pages.
std::size_t page_() {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

// `bytes` of fresh zero pages; nullptr on failure.
char* map_(std::size_t bytes) {
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return base == MAP_FAILED ? nullptr : static_cast<char*>(base);
}

void unmap_(char* base, std::size_t bytes) {
  if (base) munmap(base, bytes);
}

// Moves the pages of [from, from + bytes) to `to`, leaving `from` mapped and empty; false if refused.
bool move_(char* from, char* to, std::size_t bytes) {
  return mremap(from, bytes, bytes, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, to) != MAP_FAILED;
}

// Maps [base, base + bytes) again, empty. After a DONTUNMAP move the kernel keeps the source mapped, but
// qemu-user (the aarch64 tests) records it as free and may hand it to a later mmap, which the next move
// onto it would then destroy; mapping it again keeps the emulator's records true. On a kernel it replaces
// an empty mapping with another. (Letting the kernel pick where the old pages go, and releasing that range
// after, would need no such range of ours; but Linux 6.18 refuses MREMAP_DONTUNMAP without MREMAP_FIXED.)
void remap_empty_(char* base, std::size_t bytes) {
  mmap(base, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}
// Whether this kernel moves pages the way publish needs (MREMAP_DONTUNMAP: Linux 5.7). Asked once, with a
// two-page mapping: on an older kernel every publish would fall back to a copy, slower than two passes, so
// allocate() then makes no mappings and the runtime keeps its other guards.
bool moves_work_() {
  static const bool work = [] {
    char* const probe = map_(2 * page_());
    if (!probe) return false;
    const bool moved = move_(probe, probe + page_(), page_());
    unmap_(probe, 2 * page_());
    return moved;
  }();
  return work;
}
#else
std::size_t page_() { return 4096; }
bool moves_work_() { return false; }
char* map_(std::size_t) { return nullptr; }
void unmap_(char*, std::size_t) {}
bool move_(char*, char*, std::size_t) { return false; }
void remap_empty_(char*, std::size_t) {}
#endif

// The mappings allocate() made: base address -> floats asked for (the bytes mapped follow from it).
struct Registry {
  Mutex mutex;
  std::map<std::uintptr_t, std::size_t> mapped;
};
Registry& registry_() {
  static Registry registry;
  return registry;
}

// The bytes of the registered mapping that starts at `scores` if it was made for exactly n floats (a shorter
// view of it must not move the pages past its end); 0 otherwise.
std::size_t mapping_of_(const float* scores, std::size_t n) {
  Registry& r = registry_();
  r.mutex.lock();
  const auto it = r.mapped.find(reinterpret_cast<std::uintptr_t>(scores));
  const bool whole = it != r.mapped.end() && it->second == n;
  r.mutex.unlock();
  return whole ? mapped_bytes(n) : 0;
}

// The staging (where new scores are written) and an empty range of the same size the old pages pass
// through; kept for the process's life once made, grown to the largest mapping served.
struct StagingArea {
  char* out = nullptr;
  char* through = nullptr;
  std::size_t capacity = 0;
};
StagingArea& area_() {
  static StagingArea area;
  return area;
}
std::atomic<bool>& busy_() {
  static std::atomic<bool> busy{false};
  return busy;
}

}  // namespace

std::size_t mapped_bytes(std::size_t n) { return (n * sizeof(float) + page_() - 1) / page_() * page_(); }

std::size_t& min_scores() {
  static std::size_t min = kMinScores;
  return min;
}

bool owns(const float* scores, std::size_t n) { return n >= min_scores() && mapping_of_(scores, n) != 0; }

float* allocate(std::size_t n) {
  if (n < min_scores() || n > (SIZE_MAX - page_()) / sizeof(float) || !moves_work_()) return nullptr;
  const std::size_t bytes = mapped_bytes(n);
  char* const base = map_(bytes);
  if (!base) return nullptr;
  Registry& r = registry_();
  r.mutex.lock();
  r.mapped[reinterpret_cast<std::uintptr_t>(base)] = n;
  r.mutex.unlock();
  return reinterpret_cast<float*>(base);
}

void release(float* scores) {
  if (!scores) return;
  Registry& r = registry_();
  r.mutex.lock();
  const auto it = r.mapped.find(reinterpret_cast<std::uintptr_t>(scores));
  std::size_t bytes = 0;
  if (it != r.mapped.end()) {
    bytes = mapped_bytes(it->second);
    r.mapped.erase(it);
  }
  r.mutex.unlock();
  unmap_(reinterpret_cast<char*>(scores), bytes);
}

Staging::Staging(const float* scores, std::size_t n) : bytes_(mapping_of_(scores, n)), lease_(busy_(), bytes_ != 0) {
  if (!lease_.held()) return;
  StagingArea& area = area_();
  if (area.capacity < bytes_) {
    unmap_(area.out, area.capacity);  // the old ones go first, so the two never coexist
    unmap_(area.through, area.capacity);
    area = {map_(bytes_), map_(bytes_), bytes_};
    if (!area.out || !area.through) {
      unmap_(area.out, bytes_);
      unmap_(area.through, bytes_);
      area = {};
      return;
    }
  }
  out_ = reinterpret_cast<float*>(area.out);
}

void Staging::publish(float* scores, std::size_t n) {
  char* const s = reinterpret_cast<char*>(scores);
  StagingArea& area = area_();
  // old pages -> the empty range; new pages -> the scores; old pages -> the staging. A refused move leaves
  // every range mapped: the scores then take a copy of the new values (right, only slower).
  if (!move_(s, area.through, bytes_) || !move_(area.out, s, bytes_)) {
    std::memcpy(scores, out_, n * sizeof(float));
    return;
  }
  move_(area.through, area.out, bytes_);  // if refused: the staging stays mapped, empty; the scores are new
  remap_empty_(area.through, bytes_);
}

}  // namespace prunekit::score_pages
