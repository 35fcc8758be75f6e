/**
 * The PyTorch column of the benchmark: one python process times each criterion's formula with torch's
 * in-place ops over preallocated tensors (the fastest a PyTorch user gets, faster than the reference
 * pruner's allocating expressions), at the same sizes, on 1 and 2 threads, medians of `samples`. Skipped
 * (null) when no python with torch is found: PRUNEKIT_PYTHON, then `python3`, then /usr/bin/python3.
 */
import { spawnSync } from 'node:child_process';
import type { CriterionName } from './js-baselines';

export interface TorchRow {
  criterion: CriterionName;
  floats: number;
  threads: number;
  /** Median ns per element of one step. */
  ns: number;
}

export interface TorchReport {
  python: string;
  version: string;
  rows: TorchRow[];
}

// The in-place forms: magnitude/gradient torch.abs(x, out=s); snip torch.mul(w, g, out=s).abs_();
// snip_momentum torch.mul(w, g, out=t).abs_().mul_(beta), s.mul_(alpha).add_(t) (the reference's
// s * alpha + beta * |w * g| without a temporary per step).
const SCRIPT = String.raw`
import json, sys, time, torch
args = json.load(sys.stdin)
def median_ns(fn, samples, min_s=0.002):
    reps = 1
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(reps): fn()
        dt = (time.perf_counter_ns() - t0) / 1e9
        if dt >= min_s or reps >= 1 << 20: break
        reps = min(1 << 20, max(reps * 2, int(reps * min_s / max(dt, 1e-6)) + 1))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter_ns()
        for _ in range(reps): fn()
        times.append((time.perf_counter_ns() - t0) / reps)
    times.sort()
    m = len(times) // 2
    return times[m] if len(times) % 2 else (times[m - 1] + times[m]) / 2
rows = []
for n in args["sizes"]:
    gen = torch.Generator().manual_seed(n)
    w = torch.rand(n, generator=gen) * 2 - 1
    g = (torch.rand(n, generator=gen) * 2 - 1) * 1e-3
    s = torch.zeros(n)
    t = torch.empty(n)
    ops = {
        "magnitude": lambda: torch.abs(w, out=s),
        "gradient": lambda: torch.abs(g, out=s),
        "snip": lambda: torch.mul(w, g, out=s).abs_(),
        "snip_momentum": lambda: s.mul_(0.9).add_(torch.mul(w, g, out=t).abs_().mul_(1.0)),
    }
    for threads in args["threads"]:
        torch.set_num_threads(threads)
        for name, fn in ops.items():
            rows.append({"criterion": name, "floats": n, "threads": threads, "ns": median_ns(fn, args["samples"]) / n})
print(json.dumps({"version": torch.__version__, "rows": rows}))
`;

function pythonWithTorch(): string | null {
  const candidates = [process.env.PRUNEKIT_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    if (probe.status === 0) return python;
  }
  return null;
}

/** Times torch at `sizes` on `threads`; null when torch is not available or the run fails. */
export function benchTorch(sizes: number[], threads: number[], samples: number): TorchReport | null {
  const python = pythonWithTorch();
  if (python === null) return null;
  const run = spawnSync(python, ['-c', SCRIPT], {
    input: JSON.stringify({ sizes, threads, samples }),
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 30 * 60_000,
  });
  if (run.status !== 0) return null;
  const out = JSON.parse(run.stdout) as { version: string; rows: TorchRow[] };
  return { python, version: out.version, rows: out.rows };
}

/** The row of `report` for a criterion, size and thread count, if measured. */
export function torchNs(
  report: TorchReport | null,
  criterion: CriterionName,
  floats: number,
  threads: number,
): number | null {
  return (
    report?.rows.find((r) => r.criterion === criterion && r.floats === floats && r.threads === threads)?.ns ?? null
  );
}
