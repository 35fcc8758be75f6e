// The scalar prune16 kernels: the oracle every SIMD path is tested against (built without vectorization).
#include "portable.h"

namespace prunekit {

const Prune16Kernels prune16_kernels_serial = {
    prune16_portable::count_nonfinite_u16,    prune16_portable::nm_magnitude_u16,
    prune16_portable::apply_blocks_u16,       prune16_portable::count_zero_blocks_u8,
    prune16_portable::count_sparse_groups_u8, prune16_portable::block_units_bm1_u16,
};

}  // namespace prunekit
