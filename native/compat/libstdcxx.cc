// Definitions the prebuilt binary carries itself so that it never asks libstdc++ for a symbol newer than
// GCC 6's (GLIBCXX_3.4.22: scripts/prebuild.sh refuses a binary that does, as it would not load on Debian 9,
// Ubuntu 18.04 or RHEL 8).
//
// GCC 12's headers call std::__throw_bad_array_new_length (GLIBCXX_3.4.29) from inlined allocator and
// array-new code (node-addon-api's CallbackInfo, std::vector growth); the call is on an overflow path that a
// valid size never takes. Defined here, the link binds those calls to this copy instead of importing the
// versioned one. It throws what libstdc++'s own does.
#include <new>

namespace std {
[[noreturn]] __attribute__((visibility("hidden"))) void __throw_bad_array_new_length() { throw bad_array_new_length(); }
}  // namespace std
