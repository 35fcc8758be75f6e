#include "group_scores.h"

namespace prunekit {

void nm_group_scores_f32(const float* s, const std::uint8_t* keep, std::size_t n_elems, unsigned m, BlockReduce op,
                         float* out) {
  const std::size_t groups = n_elems / m;
  for (std::size_t g = 0; g < groups; ++g) {
    const float* x = s + g * m;
    const std::uint8_t* k = keep + g * m;
    float acc = 0.0f;
    if (op == BlockReduce::kMax) {
      for (unsigned j = 0; j < m; ++j) {
        const float v = k[j] ? 0.0f : x[j];
        if (v > acc || v != v) acc = v;
      }
    } else {
      for (unsigned j = 0; j < m; ++j)
        if (!k[j]) acc = acc + x[j];
      if (op == BlockReduce::kMean) acc = acc / static_cast<float>(m);
    }
    out[g] = acc;
  }
}

}  // namespace prunekit
