// The reference-layout pruning config: defaults, global + per-pruner merge, warnings, errors.
import { ConfigError } from '../../lib/errors';
import { resolvePruningConfig } from '../../lib/pruning/config';

test('an empty config takes INC WeightPruningConfig defaults', () => {
  const [c] = resolvePruningConfig({});
  expect(c).toMatchObject({
    target_sparsity: 0.9,
    pruning_type: 'snip_momentum',
    pattern: '4x1',
    op_names: [],
    excluded_op_names: [],
    start_step: 0,
    end_step: 0,
    pruning_scope: 'global',
    pruning_frequency: 1,
    min_sparsity_ratio_per_op: 0,
    max_sparsity_ratio_per_op: 0.98,
    sparsity_decay_type: 'exp',
    criterion_reduce_type: 'mean',
    reg_type: null,
    reg_coeff: 0,
    tie_mode: 'exact',
    lock_init_sparsity: false,
  });
  expect(c.parsedPattern).toMatchObject({ kind: 'block', blockRows: 4, blockCols: 1 });
});

test('each pruner takes its own keys, then the global ones, then the defaults (and "parameters")', () => {
  const configs = resolvePruningConfig({
    target_sparsity: 0.8,
    pattern: '2x1',
    end_step: 10,
    pruning_configs: [
      { op_names: ['fc1'], pattern: '1x1' },
      { op_names: ['fc2'], pattern: '2:4', target_sparsity: 0.5, parameters: { pruning_scope: 'local' } },
    ],
  });
  expect(configs.map((c) => [c.op_names, c.pattern, c.target_sparsity, c.end_step, c.pruning_scope])).toEqual([
    [['fc1'], '1x1', 0.8, 10, 'global'],
    [['fc2'], '2:4', 0.5, 10, 'local'],
  ]);
  // N:M caps a layer at N/M, as the reference does.
  expect(configs[1].max_sparsity_ratio_per_op).toBe(0.5);
});

test("INC's keys that prunekit does not use are accepted with a warning", () => {
  const warnings: string[] = [];
  resolvePruningConfig({ target_sparsity: 0.5, pruning_op_types: ['Linear'], low_memory_usage: false } as never, (w) =>
    warnings.push(w),
  );
  expect(warnings).toEqual([
    'config: "pruning_op_types" has no effect in prunekit and is ignored',
    'config: "low_memory_usage" has no effect in prunekit and is ignored',
  ]);
});

test.each([
  [{ targetSparsity: 0.5 }, 'config: unknown key "targetSparsity"; did you mean "target_sparsity"?'],
  [{ target_sparsty: 0.5 }, 'config: unknown key "target_sparsty"; did you mean "target_sparsity"?'],
  [{ pruning_configs: [{ op_name: ['x'] }] }, 'pruning_configs[0]: unknown key "op_name"; did you mean "op_names"?'],
  [{ pruningConfigs: [] }, 'config: unknown key "pruningConfigs"; did you mean "pruning_configs"?'],
  [{ zzz: 1 }, 'config: unknown key "zzz" (known keys:'],
])('unknown keys are a ConfigError with a did-you-mean: %j', (config, message) => {
  expect(() => resolvePruningConfig(config as never)).toThrow(ConfigError);
  expect(() => resolvePruningConfig(config as never)).toThrow(message);
});

test.each([
  [{ target_sparsity: null }, 'config: target_sparsity is null; leave the key out for its default (0.9)'],
  [{ pruning_configs: [{ pattern: null }] }, 'pruning_configs[0]: pattern is null'],
  [{ pruning_configs: [42] }, 'pruning_configs[0] must be an object of per-pruner settings, got 42'],
  [{ pruning_configs: [null] }, 'pruning_configs[0] must be an object'],
  [{ pruning_configs: {} }, 'config: pruning_configs must be an array of objects'],
  [{ pattern: '1:70000' }, 'M is at most 1024'],
  [{ pruning_type: 'snip_mometum' }, 'did you mean "snip_momentum"?'],
])('values refused at config time: %j', (config, message) => {
  expect(() => resolvePruningConfig(config as never)).toThrow(ConfigError);
  expect(() => resolvePruningConfig(config as never)).toThrow(message);
});

test('reg_type null is the default, as in INC', () => {
  expect(resolvePruningConfig({ reg_type: null })[0].reg_type).toBeNull();
});

test.each([
  [{ pattern: '4x' }, 'config: unknown pruning pattern "4x"'],
  [{ sparsity_decay_type: 'quadratic' }, 'config: unknown sparsity_decay_type "quadratic"'],
  [{ pruning_scope: 'layer' }, 'config: unknown pruning_scope "layer"; accepted: "global", "local"'],
  [{ target_sparsity: 1.5 }, 'config: target_sparsity'],
  [{ target_sparsity: -0.1 }, 'config: target_sparsity'],
  [{ max_sparsity_ratio_per_op: 2 }, 'config: max_sparsity_ratio_per_op'],
  [
    { min_sparsity_ratio_per_op: 0.5, max_sparsity_ratio_per_op: 0.4 },
    'config: min_sparsity_ratio_per_op (0.5) is above max_sparsity_ratio_per_op (0.4)',
  ],
  [{ start_step: 5, end_step: 2 }, 'config: end_step (2) is before start_step (5)'],
  [{ pruning_frequency: 0 }, 'config: pruning_frequency must be an integer >= 1, got 0'],
  [{ start_step: 1.5 }, 'config: start_step must be an integer >= 0, got 1.5'],
  [
    { pattern: '2:4', target_sparsity: 0.6 },
    'config: target_sparsity 0.6 is above what pattern "2:4" can reach (N/M = 0.5)',
  ],
  [{ reg_type: 'l1' }, 'config: unknown reg_type "l1"; accepted: "group_lasso"'],
  [
    { reg_type: 'group_lasso', pattern: '2:4', target_sparsity: 0.5 },
    'config: reg_type "group_lasso" needs an NxM pattern, not "2:4"',
  ],
  [{ reg_coeff: -1 }, 'config: reg_coeff must be a finite number >= 0, got -1'],
  [{ op_names: ['fc('] }, 'config: op_names holds an invalid regular expression "fc("'],
  [{ op_names: 'fc' }, 'config: op_names must be an array of regular expressions (strings), got "fc"'],
  [
    { pruning_type: 'snip_momentum_progressive' },
    'config: unknown pruning_type "snip_momentum_progressive"; accepted: "magnitude", "gradient", "snip", "snip_momentum"',
  ],
  [{ tie_mode: 'loose' }, 'config: unknown tie_mode "loose"; accepted: "exact", "threshold"'],
  [{ criterion_reduce_type: 'median' }, 'config: unknown criterion_reduce_type "median"'],
  [{ pruning_configs: [{}, { target_sparsity: 3 }] }, 'pruning_configs[1]: target_sparsity'],
])('%p is refused: %s', (config, message) => {
  expect(() => resolvePruningConfig(config as never)).toThrow(message);
});

test('pattern_lock may keep an N:M config above N/M (it prunes nothing new)', () => {
  expect(resolvePruningConfig({ pruning_type: 'pattern_lock', pattern: '1:4' })[0].pruning_type).toBe('pattern_lock');
});
