// snip_momentum's update on unit scores (INC 2.x criteria.py with a block pattern: the momentum is kept on
// the block-reduced scores): s[u] = s[u] * alpha + beta * r[u], r the unit's reduced |w * g| of this step.
//
// Numeric policy (INC's order, `scores *= alpha; scores += beta * reduce(|w * g|)`): the two products and the
// sum each rounded to float32 on their own, as kernels/score.h's momentum_f32 rounds them; no fused
// multiply-add (-ffp-contract=off), denormals kept. Scalar on purpose: it runs once per unit (a block of
// 4 or more weights), after the SIMD kernels that read every weight and grad (runtime/block_momentum.h).
#pragma once
#include <cstddef>

namespace prunekit {

// s[u] = s[u] * alpha + beta * r[u] for u < n.
void unit_momentum_f32(float* s, const float* r, std::size_t n, float alpha, float beta);

}  // namespace prunekit
