// A hint to the kernel that a byte range of an open file will be read soon (posix_fadvise WILLNEED): it starts
// reading the range into the page cache in the background and returns, so a later synchronous read of the
// range finds it there instead of waiting for the disk. The streaming pruner's ranking reads (lib/cli/
// stream-prune.ts) are synchronous; the hint lets the disk work while they compute.
#include <fcntl.h>

#include "args.h"
#include "exports.h"

namespace prunekit::addon {
namespace {

// adviseWillNeed(fd, offset, length) -> true when the kernel took the hint, false where there is no such hint
// (not Linux) or it refused it (a bad descriptor, a pipe): a hint, never an error.
Napi::Value advise_will_need(const Napi::CallbackInfo& info) {
  const int fd = static_cast<int>(integer_arg(info[0], "fd", 0, 2147483647.0));
  const double offset = integer_arg(info[1], "offset", 0, kMaxSafeInteger);
  const double length = integer_arg(info[2], "length", 0, kMaxSafeInteger);
#if defined(__linux__)
  const bool taken =
      posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(length), POSIX_FADV_WILLNEED) == 0;
#else
  (void)fd;
  (void)offset;
  (void)length;
  const bool taken = false;
#endif
  return Napi::Boolean::New(info.Env(), taken);
}

}  // namespace

const Export kReadaheadExports[] = {
    {"adviseWillNeed", advise_will_need},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
