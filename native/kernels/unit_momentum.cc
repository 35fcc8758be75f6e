#include "unit_momentum.h"

namespace prunekit {

void unit_momentum_f32(float* s, const float* r, std::size_t n, float alpha, float beta) {
  for (std::size_t u = 0; u < n; ++u) {
    const float decayed = s[u] * alpha;
    const float added = beta * r[u];
    s[u] = decayed + added;
  }
}

}  // namespace prunekit
