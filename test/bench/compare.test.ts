// The benchmark's side-by-side columns: tfjs-wasm (a devDependency, so always here) and PyTorch (when a
// python3 with torch exists) time every criterion at every size asked for, and the report prints them.
import { spawnSync } from 'node:child_process';
import { runBench } from '../../lib/bench/run';

const hasTorch = [process.env.PRUNEKIT_PYTHON, 'python3', '/usr/bin/python3']
  .filter((p): p is string => !!p)
  .some((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);

test('one run reports prunekit, PyTorch and tfjs side by side', () => {
  const lines: string[] = [];
  const report = runBench({
    sizes: [4096],
    modelLayers: 0,
    selectionSizes: [],
    samples: 1,
    write: (l) => lines.push(l),
  });
  const criteria = ['magnitude', 'gradient', 'snip', 'snip_momentum'];
  expect(report.tfjs).not.toBeNull();
  for (const floats of [768, 4096])
    for (const criterion of criteria)
      expect(
        report.tfjs!.rows.filter((r) => r.criterion === criterion && r.floats === floats && r.ns > 0),
      ).toHaveLength(1);
  if (hasTorch) {
    for (const floats of [768, 4096])
      for (const criterion of criteria)
        for (const threads of [1, 2])
          expect(
            report.torch!.rows.filter(
              (r) => r.criterion === criterion && r.floats === floats && r.threads === threads && r.ns > 0,
            ),
          ).toHaveLength(1);
  } else {
    expect(report.torch).toBeNull();
    expect(lines.join('\n')).toMatch(/PyTorch: no python3 with torch, column skipped/);
  }
  const text = lines.join('\n');
  expect(text).toMatch(/Side by side, ns\/el/);
  expect(text).toMatch(/^ {2}snip_momentum +4096 +[\d.]+ +[\d.]+ +[\d.]+ +(?:[\d.]+|-) +(?:[\d.]+x|-) .* [\d.]+$/m);
}, 120_000);

test('compare: false skips both columns', () => {
  const report = runBench({ sizes: [4096], modelLayers: 0, selectionSizes: [], samples: 1, compare: false });
  expect(report.torch).toBeNull();
  expect(report.tfjs).toBeNull();
}, 60_000);
