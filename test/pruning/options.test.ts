// The shared option validator (lib/pruning/options.ts): every entry point takes its defaults from one
// object, and each bad option is refused at its edge with an error naming the option as the user wrote it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArgumentError, ConfigError } from '../../lib/errors';
import {
  computeMasks,
  GlobalSelection,
  PRUNING_DEFAULTS,
  pruneOneShot,
  PruningSchedule,
  resolvePruningConfig,
} from '../../lib/pruning';
import {
  DEFAULT_ONE_SHOT_CRITERION,
  DEFAULTS,
  parseStepOptions,
  type StepOptionNames,
} from '../../lib/pruning/options';
import { rng } from '../support/random';
import { f32, runCli, tempDir, writeModel } from '../cli/helpers';

const NAMES: StepOptionNames = {
  ratio: 'r',
  pattern: 'p',
  scope: 's',
  tieMode: 't',
  reduce: 'd',
  max: 'hi',
  min: 'lo',
};

/** Two layers of distinct random magnitudes (no ties): 100 and 60 units at 1x1. */
function modules(seed: number) {
  const random = rng(seed);
  const layer = (rows: number, cols: number) => ({
    weight: Float32Array.from({ length: rows * cols }, () => random() + 0.01),
    shape: [rows, cols],
  });
  return { a: layer(10, 10), b: layer(6, 10) };
}

/** Weights pruned per module by pruneOneShot at sparsity 1 (every layer goes to its cap), local 1x1. */
function prunedAtFullSparsity(max?: number): number[] {
  const m = modules(7);
  const options = { sparsity: 1, pattern: '1x1', scope: 'local' as const };
  const { masks } = pruneOneShot(m, max === undefined ? options : { ...options, max_sparsity_ratio_per_op: max });
  return Object.values(masks).map((k) => k.length - k.reduce((s, v) => s + v, 0));
}

describe('defaults: one object, read by every entry point', () => {
  test('PRUNING_DEFAULTS is the validator object', () => {
    expect(PRUNING_DEFAULTS).toBe(DEFAULTS);
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
  });

  test('the config applies them', () => {
    const [c] = resolvePruningConfig({});
    for (const key of [
      'target_sparsity',
      'pattern',
      'pruning_scope',
      'tie_mode',
      'criterion_reduce_type',
      'max_sparsity_ratio_per_op',
      'min_sparsity_ratio_per_op',
      'start_step',
      'end_step',
      'pruning_frequency',
      'sparsity_decay_type',
    ] as const)
      expect([key, c[key]]).toEqual([key, DEFAULTS[key]]);
  });

  test('the schedule applies them', () => {
    const s = new PruningSchedule();
    expect([s.targetSparsity, s.maxRatioPerOp, s.startStep, s.endStep, s.frequency, s.decay]).toEqual([
      DEFAULTS.target_sparsity,
      DEFAULTS.max_sparsity_ratio_per_op,
      DEFAULTS.start_step,
      DEFAULTS.end_step,
      DEFAULTS.pruning_frequency,
      DEFAULTS.sparsity_decay_type,
    ]);
  });

  test("pruneOneShot's default cap is the validator's: a layer at sparsity 1 stops at it", () => {
    const byDefault = prunedAtFullSparsity();
    expect(byDefault).toEqual([98, 58]); // floor(0.98 * 100), floor(0.98 * 60)
    expect(byDefault).toEqual(prunedAtFullSparsity(DEFAULTS.max_sparsity_ratio_per_op));
    expect(byDefault).not.toEqual(prunedAtFullSparsity(DEFAULTS.max_sparsity_ratio_per_op - 0.05));
  });

  test("computeMasks and GlobalSelection cap a layer at the validator's default", () => {
    const m = modules(3);
    const layers = Object.entries(m).map(([name, e]) => ({ name, shape: e.shape, scores: e.weight }));
    const pruned = (r: { prunedUnits: Record<string, number> }) => Object.values(r.prunedUnits);
    const cap = DEFAULTS.max_sparsity_ratio_per_op;
    const expected = [Math.floor(cap * 100), Math.floor(cap * 60)];
    expect(pruned(computeMasks(layers, { pattern: '1x1', ratio: 1 }))).toEqual(expected);
    expect(pruned(computeMasks(layers, { pattern: '1x1', ratio: 1, scope: 'local' }))).toEqual(expected);
    const sel = new GlobalSelection(layers, { pattern: '1x1', ratio: 1 });
    while (!sel.done) sel.advance(sel.histogram());
    expect(pruned(sel.masks())).toEqual(expected);
  });

  describe('prunekit prune', () => {
    let tmp: ReturnType<typeof tempDir>;
    beforeAll(() => (tmp = tempDir()));
    afterAll(() => tmp.cleanup());

    test('records the same defaults as the driver and pruneOneShot', async () => {
      const random = rng(11);
      const model = writeModel(tmp.file('m.safetensors'), [
        [
          'fc.weight',
          f32(
            [8, 16],
            Array.from({ length: 128 }, () => random()),
          ),
        ],
      ]);
      const r = await runCli(['prune', model, '-o', tmp.file('o.safetensors'), '--sparsity', '0.5', '--json']);
      expect(r.code).toBe(0);
      const { options } = JSON.parse(r.stdout);
      const [driver] = resolvePruningConfig({ target_sparsity: 0.5 });
      expect(options).toMatchObject({
        pattern: driver.pattern,
        scope: driver.pruning_scope,
        tie_mode: driver.tie_mode,
        criterion_reduce_type: driver.criterion_reduce_type,
        max_sparsity_ratio_per_op: driver.max_sparsity_ratio_per_op,
        min_sparsity_ratio_per_op: driver.min_sparsity_ratio_per_op,
        criterion: DEFAULT_ONE_SHOT_CRITERION,
      });
    });

    test('its help states the defaults from the same object', async () => {
      const r = await runCli(['prune', '--help']);
      expect(r.stdout).toContain(`Highest sparsity of one tensor (default ${DEFAULTS.max_sparsity_ratio_per_op})`);
      expect(r.stdout).toContain(`Lowest sparsity of one tensor (default ${DEFAULTS.min_sparsity_ratio_per_op})`);
      expect(r.stdout).toContain(`NxM block or N:M pattern (default ${DEFAULTS.pattern})`);
    });

    test('a floor above what an N:M pattern reaches is a usage error', async () => {
      const r = await runCli([
        'prune',
        tmp.file('m.safetensors'),
        '-o',
        tmp.file('o2.safetensors'),
        '--sparsity',
        '0.5',
        '--pattern',
        '2:4',
        '--min-per-layer',
        '0.6',
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'prunekit prune: --min-per-layer 0.6 is above what pattern "2:4" can reach (2 of every 4 = 0.5)',
      );
    });
  });

  test('the literal of each numeric default is written once in lib/', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(path.join(__dirname, '../../lib'));
    const holders = files.filter((f) => /\b0\.98\b/.test(fs.readFileSync(f, 'utf8')));
    expect(holders.map((f) => path.relative(path.join(__dirname, '../..'), f))).toEqual(['lib/pruning/options.ts']);
  });
});

describe('parseStepOptions', () => {
  test('applies every default but the ratio, and caps the step at N/M', () => {
    expect(parseStepOptions({ ratio: -0 }, NAMES)).toEqual({
      ratio: 0,
      pattern: expect.objectContaining({ name: DEFAULTS.pattern }),
      scope: DEFAULTS.pruning_scope,
      tieMode: DEFAULTS.tie_mode,
      reduce: DEFAULTS.criterion_reduce_type,
      maxRatio: DEFAULTS.max_sparsity_ratio_per_op,
      stepMaxRatio: DEFAULTS.max_sparsity_ratio_per_op,
      minRatio: DEFAULTS.min_sparsity_ratio_per_op,
    });
    expect(Object.is(parseStepOptions({ ratio: -0 }, NAMES).ratio, 0)).toBe(true);
    const nm = parseStepOptions({ ratio: 0.25, pattern: '1:4', max: 0.9 }, NAMES);
    expect([nm.maxRatio, nm.stepMaxRatio]).toEqual([0.9, 0.25]);
    expect(parseStepOptions({ ratio: 0.2, pattern: '1:4', max: 0.1 }, NAMES).stepMaxRatio).toBe(0.1);
  });

  test('a ratio above N/M is refused, unless the caller allows it (pattern_lock)', () => {
    expect(() => parseStepOptions({ ratio: 0.6, pattern: '2:4' }, NAMES)).toThrow(
      'r 0.6 is above what pattern "2:4" can reach (N/M = 0.5)',
    );
    expect(parseStepOptions({ ratio: 0.6, pattern: '2:4' }, NAMES, undefined, 'allow').stepMaxRatio).toBe(0.5);
  });

  test.each([
    [{ ratio: 1.5 }, ArgumentError, 'r must be a finite number in [0, 1], got 1.5'],
    [{ ratio: '0.5' }, ArgumentError, 'r must be a finite number in [0, 1], got "0.5"'],
    [{ ratio: undefined }, ArgumentError, 'r must be a finite number in [0, 1], got undefined'],
    [{ ratio: 0.5, max: NaN }, ArgumentError, 'hi must be a finite number in [0, 1], got NaN'],
    [{ ratio: 0.5, min: -1 }, ArgumentError, 'lo must be a finite number in [0, 1], got -1'],
    [{ ratio: 0.5, pattern: '3y1' }, ConfigError, 'unknown pruning pattern "3y1"'],
    [{ ratio: 0.5, scope: 'both' }, ConfigError, 'unknown s "both"; accepted: "global", "local"'],
    [{ ratio: 0.5, tieMode: 'loose' }, ConfigError, 'unknown t "loose"; accepted: "exact", "threshold"'],
    [{ ratio: 0.5, reduce: 'median' }, ConfigError, 'unknown d "median"; accepted: "mean", "sum", "max"'],
    [
      { ratio: 0.5, min: 0.6, max: 0.5 },
      ConfigError,
      'lo (0.6) is above hi (0.5): the per-layer floor exceeds the cap',
    ],
    [{ ratio: 0.5, pattern: '2:4', min: 0.6 }, ConfigError, 'lo 0.6 is above what pattern "2:4" can reach (N/M = 0.5)'],
  ])('%j is a %p: %s', (values, kind, message) => {
    expect(() => parseStepOptions(values, NAMES)).toThrow(kind);
    expect(() => parseStepOptions(values, NAMES)).toThrow(message);
  });
});

describe('each edge names the option as its user wrote it; nothing is written', () => {
  test.each([
    [{ sparsity: 1.5 }, ArgumentError, 'sparsity must be a finite number in [0, 1], got 1.5'],
    [{ sparsity: 0.5, scope: 'both' }, ConfigError, 'unknown scope "both"; accepted: "global", "local"'],
    [{ sparsity: 0.5, tie_mode: 'loose' }, ConfigError, 'unknown tie_mode "loose"'],
    [{ sparsity: 0.5, reduce: 'median' }, ConfigError, 'unknown reduce "median"'],
    [{ sparsity: 0.5, pattern: '3y1' }, ConfigError, 'unknown pruning pattern "3y1"'],
    [
      { sparsity: 0.5, min_sparsity_ratio_per_op: 0.6, max_sparsity_ratio_per_op: 0.5 },
      ConfigError,
      'min_sparsity_ratio_per_op (0.6) is above max_sparsity_ratio_per_op (0.5)',
    ],
    [{ sparsity: 0.75, pattern: '2:4' }, ConfigError, 'sparsity 0.75 is above what pattern "2:4" can reach'],
    [
      { sparsity: 0.5, pattern: '2:4', min_sparsity_ratio_per_op: 0.6 },
      ConfigError,
      'min_sparsity_ratio_per_op 0.6 is above what pattern "2:4" can reach (N/M = 0.5)',
    ],
  ])('pruneOneShot %j', (options, kind, message) => {
    const m = modules(5);
    const before = m.a.weight.slice();
    expect(() => pruneOneShot(m, options as never)).toThrow(kind);
    expect(() => pruneOneShot(m, options as never)).toThrow(message);
    expect(m.a.weight).toEqual(before);
  });

  test.each([
    [{ pruning_scope: 'both' }, 'config: unknown pruning_scope "both"'],
    [{ criterion_reduce_type: 'median' }, 'config: unknown criterion_reduce_type "median"; accepted: "mean"'],
    [
      { pattern: '2:4', target_sparsity: 0.5, min_sparsity_ratio_per_op: 0.6 },
      'config: min_sparsity_ratio_per_op 0.6 is above what pattern "2:4" can reach (N/M = 0.5)',
    ],
    [{ target_sparsity: '0.5' }, 'config: target_sparsity must be a finite number in [0, 1], got "0.5"'],
    [{ pruning_configs: [{}, { tie_mode: 'loose' }] }, 'pruning_configs[1]: unknown tie_mode "loose"'],
  ])('the config %j', (config, message) => {
    expect(() => resolvePruningConfig(config as never)).toThrow(ConfigError);
    expect(() => resolvePruningConfig(config as never)).toThrow(message);
  });

  test('computeMasks takes the floor above the cap in local scope (it ignores the floor there)', () => {
    const layers = [{ name: 'a', shape: [2, 2], scores: new Float32Array([4, 3, 2, 1]) }];
    const options = { pattern: '1x1', ratio: 0.5, min_sparsity_ratio_per_op: 0.9, max_sparsity_ratio_per_op: 0.5 };
    expect(() => computeMasks(layers, options)).toThrow('min_sparsity_ratio_per_op (0.9) is above');
    expect(Array.from(computeMasks(layers, { ...options, scope: 'local' }).masks.a)).toEqual([1, 1, 0, 0]);
  });
});
