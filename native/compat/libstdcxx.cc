// Definitions the prebuilt binary carries itself so that it never asks glibc or libstdc++ for a symbol newer
// than glibc 2.17's and GCC 6's (GLIBCXX_3.4.22): scripts/prebuild.sh refuses a binary that does, as it
// would not load on Debian 9, Ubuntu 18.04 or RHEL 8. The link binds the calls GCC 12's headers inline
// into our code to these copies instead of importing the versioned ones.
#include <new>

// GCC 12's allocator and array-new code (node-addon-api's CallbackInfo, std::vector growth) call
// std::__throw_bad_array_new_length (GLIBCXX_3.4.29) on an overflow path that a valid size never takes. This
// copy throws what libstdc++'s own does.
namespace std {
[[noreturn]] __attribute__((visibility("hidden"))) void __throw_bad_array_new_length() { throw bad_array_new_length(); }
}  // namespace std

// libstdc++'s shared_ptr reference counts (std::make_shared in the async glue) read glibc's
// __libc_single_threaded (GLIBC_2.32) to skip atomic operations in a process that has never started a
// thread. Node always has threads; 0 ("not single-threaded") keeps every count atomic, which is always correct.
extern "C" {
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;
}
