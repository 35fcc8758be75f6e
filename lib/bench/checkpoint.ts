/**
 * The checkpoint benchmark (`npm run bench:checkpoint`): writes BF16 checkpoints of random weights, sharded
 * like Hugging Face's (shards of about `--shard-gb` GB plus an index.json), and times, on each size, `cp` of
 * the shards (the I/O roof), `prunekit prune` at 0.9 global 4x1 and 2:4 (and 4x1 local), and a PyTorch
 * script doing the same magnitude pruning the usual way (load all, kthvalue, save) when PyTorch imports.
 * Every run is a child process measured by /usr/bin/time (wall, peak RSS). The checkpoints are deleted after.
 *
 *   node dist/lib/bench/checkpoint.js [--sizes 1,4,16] [--shard-gb 2] [--runs 3] [--dir /work/tmp] [--json]
 *       [--no-torch] [--only REGEX] [--baseline OTHER/dist/lib/cli/main.js]
 *
 * The tools run interleaved (run 1 of every tool, then run 2, ...), so a change of load hits them alike.
 * `--baseline` adds the prunekit rows once more with another build's CLI (before/after in one run);
 * `--only` keeps the tools whose name matches.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSafetensors } from '../io';

/** One timed child: wall seconds, CPU seconds (user + system, all threads) and peak resident set size in bytes. */
interface Sample {
  wall: number;
  cpu: number;
  rss: number;
}

interface Row {
  size_gb: number;
  tool: string;
  wall_s: number;
  cpu_s: number;
  gb_per_s: number;
  peak_rss_mib: number;
  runs: number;
  spread: string;
}

/** Rows and columns of one weight: 4096 x 4096 BF16 = 32 MiB, a large LLM projection. */
const ROWS = 4096;
const COLS = 4096;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Random BF16 weights of magnitude below 2 (exponent's top bit cleared: no Inf or NaN). */
function randomBf16(n: number): Uint16Array {
  const bits = new Uint16Array(n);
  crypto.randomFillSync(bits);
  for (let i = 0; i < n; i++) bits[i] &= 0xbfff;
  return bits;
}

/** Writes `gb` GB of BF16 weights as shards of about `shardGb` GB with an index; returns the folder. */
function writeCheckpoint(dir: string, gb: number, shardGb: number): string {
  fs.mkdirSync(dir, { recursive: true });
  const tensorBytes = ROWS * COLS * 2;
  const tensors = Math.max(1, Math.round((gb * 1e9) / tensorBytes));
  const perShard = Math.max(1, Math.round((shardGb * 1e9) / tensorBytes));
  const shards = Math.ceil(tensors / perShard);
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < shards; s++) {
    const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part: Array<[string, { dtype: string; shape: number[]; data: Uint16Array }]> = [];
    for (let t = s * perShard; t < Math.min(tensors, (s + 1) * perShard); t++) {
      part.push([`model.layers.${t}.weight`, { dtype: 'BF16', shape: [ROWS, COLS], data: randomBf16(ROWS * COLS) }]);
      part.push([`model.layers.${t}.norm.weight`, { dtype: 'BF16', shape: [COLS], data: randomBf16(COLS) }]);
    }
    for (const [n, t] of part) {
      weightMap[n] = name;
      total += t.data.byteLength;
    }
    writeSafetensors(path.join(dir, name), part, { format: 'pt' });
  }
  fs.writeFileSync(
    path.join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2),
  );
  return dir;
}

/** Runs `argv` under /usr/bin/time, drops the page cache's say in it by warming first (every tool reads from cache). */
function timed(argv: string[], env: NodeJS.ProcessEnv = process.env): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', ...argv], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const last = r.stderr.trim().split('\n').pop() as string;
  const [wall, kib, user, sys] = last.split(' ').map(Number);
  return { wall, cpu: user + sys, rss: kib * 1024 };
}

/** The PyTorch baseline: load every tensor (json header + torch.frombuffer), kthvalue of |w|, save. */
const TORCH_SCRIPT = String.raw`
import json, os, struct, sys, torch
src, dst, pattern = sys.argv[1], sys.argv[2], sys.argv[3]
index = json.load(open(os.path.join(src, 'model.safetensors.index.json')))
shards = sorted(set(index['weight_map'].values()))
def load(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = bytearray(f.read())
    meta = header.pop('__metadata__', {})
    out = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        out[name] = torch.frombuffer(data, dtype=torch.bfloat16, count=(e - b) // 2, offset=b).view(info['shape'])
    return meta, out
model = {}
metas = {}
for s in shards:
    metas[s], t = load(os.path.join(src, s))
    model.update({k: (s, v) for k, v in t.items()})
prunable = [k for k, (s, v) in model.items() if v.dim() == 2]
if pattern == '2:4':
    for k in prunable:
        w = model[k][1]
        g = w.float().abs().view(-1, 4)
        idx = g.argsort(dim=1)[:, :2]
        mask = torch.ones_like(g, dtype=torch.bool).scatter_(1, idx, False)
        w.view(-1, 4).mul_(mask)
else:
    scores = torch.cat([model[k][1].float().abs().view(-1, 4, model[k][1].shape[1]).mean(1).flatten() for k in prunable])
    k = int(0.9 * scores.numel())
    threshold = scores.kthvalue(k).values
    del scores
    for name in prunable:
        w = model[name][1]
        keep = (w.float().abs().view(-1, 4, w.shape[1]).mean(1) > threshold).repeat_interleave(4, 0)
        w.mul_(keep)
os.makedirs(dst, exist_ok=True)
for s in shards:
    names = [k for k, (sh, v) in model.items() if sh == s]
    header, off = {}, 0
    if metas[s]: header['__metadata__'] = metas[s]
    for k in names:
        v = model[k][1]
        n = v.numel() * 2
        header[k] = {'dtype': 'BF16', 'shape': list(v.shape), 'data_offsets': [off, off + n]}
        off += n
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(os.path.join(dst, s), 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for k in names:
            f.write(model[k][1].contiguous().view(torch.int16).numpy().tobytes())
json.dump(index, open(os.path.join(dst, 'model.safetensors.index.json'), 'w'))
`;

/** A Python that imports torch: the one on PATH, else Debian's (python3-torch installs for /usr/bin/python3). */
function torchPython(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3'])
    if (spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0) return py;
  return undefined;
}

function parseArgs(argv: string[]): {
  sizes: number[];
  shardGb: number;
  runs: number;
  dir: string;
  json: boolean;
  torch: boolean;
  only: RegExp | undefined;
  baseline: string | undefined;
} {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  return {
    sizes: (get('--sizes') ?? '1,4').split(',').map(Number),
    shardGb: Number(get('--shard-gb') ?? '2'),
    runs: Number(get('--runs') ?? '3'),
    dir: get('--dir') ?? path.join(os.tmpdir(), 'prunekit-bench-checkpoint'),
    json: argv.includes('--json'),
    torch: !argv.includes('--no-torch'),
    only: get('--only') === undefined ? undefined : new RegExp(get('--only') as string),
    baseline: get('--baseline') === undefined ? undefined : path.resolve(get('--baseline') as string),
  };
}

/** Runs the benchmark and prints one table (or JSON). */
export function main(argv: string[]): void {
  const opts = parseArgs(argv);
  const cli = path.resolve(__dirname, '../cli/main.js');
  const rows: Row[] = [];
  const python = opts.torch ? torchPython() : undefined;
  const withTorch = python !== undefined;
  const script = path.join(opts.dir, 'prune_torch.py');
  fs.mkdirSync(opts.dir, { recursive: true });
  fs.writeFileSync(script, TORCH_SCRIPT);
  const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
  const log = (s: string) => !opts.json && process.stderr.write(s + '\n');
  try {
    for (const gb of opts.sizes) {
      const src = path.join(opts.dir, `in-${gb}`);
      const out = path.join(opts.dir, `out-${gb}`);
      log(`writing a ${gb} GB BF16 checkpoint in ${src} ...`);
      writeCheckpoint(src, gb, opts.shardGb);
      const bytes = fs.readdirSync(src).reduce((n, f) => n + fs.statSync(path.join(src, f)).size, 0);
      const prunekit = (name: string, args: string[]): Array<[string, string[]]> => [
        [`prunekit ${name}`, ['node', cli, 'prune', src, '-o', out, ...args]],
        ...(opts.baseline === undefined
          ? []
          : [[`baseline ${name}`, ['node', opts.baseline, 'prune', src, '-o', out, ...args]] as [string, string[]]]),
      ];
      let tools: Array<[string, string[]]> = [
        ['cp (the I/O roof)', ['bash', '-c', `mkdir -p ${out} && cp ${src}/* ${out}/`]],
        // prunekit flushes its output to disk before renaming it into place; cp + sync does the same work.
        ['cp + sync', ['bash', '-c', `mkdir -p ${out} && cp ${src}/* ${out}/ && sync ${out}/*`]],
        ...prunekit('2:4', ['--sparsity', '0.5', '--pattern', '2:4']),
        ...prunekit('4x1 local 0.9', ['--sparsity', '0.9', '--pattern', '4x1', '--scope', 'local']),
        ...prunekit('4x1 global 0.9', ['--sparsity', '0.9', '--pattern', '4x1']),
      ];
      if (withTorch) {
        tools.push(['pytorch 2:4', [python as string, script, src, out, '2:4']]);
        tools.push(['pytorch 4x1 global 0.9', [python as string, script, src, out, '4x1']]);
      }
      if (opts.only !== undefined) tools = tools.filter(([tool]) => (opts.only as RegExp).test(tool));
      // Warm the page cache once so every tool reads from it alike.
      timed(['bash', '-c', `cat ${src}/* > /dev/null`]);
      const samples: Sample[][] = tools.map(() => []);
      for (let r = 0; r < opts.runs; r++)
        tools.forEach(([, cmd], i) => {
          fs.rmSync(out, { recursive: true, force: true });
          samples[i].push(timed(cmd));
        });
      fs.rmSync(out, { recursive: true, force: true });
      tools.forEach(([tool], i) => {
        const walls = samples[i].map((s) => s.wall);
        const wall = median(walls);
        const row = {
          size_gb: Math.round(bytes / 1e8) / 10,
          tool,
          wall_s: wall,
          cpu_s: median(samples[i].map((s) => s.cpu)),
          gb_per_s: Math.round((bytes / 1e9 / wall) * 100) / 100,
          peak_rss_mib: Math.round(median(samples[i].map((s) => s.rss)) / 2 ** 20),
          runs: walls.length,
          spread: `${Math.min(...walls).toFixed(2)}-${Math.max(...walls).toFixed(2)} s`,
        };
        rows.push(row);
        log(
          `  ${tool}: ${wall.toFixed(2)} s (CPU ${row.cpu_s.toFixed(2)} s), ${row.gb_per_s} GB/s, ${row.peak_rss_mib} MiB peak RSS (runs: ${row.spread})`,
        );
      });
      fs.rmSync(src, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(opts.dir, { recursive: true, force: true });
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ cpu, node: process.version, torch: withTorch, rows }, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    `CPU: ${cpu}; ${os.cpus().length} cores; node ${process.version}; medians of ${opts.runs} runs, page cache warm\n`,
  );
  process.stdout.write(
    '| size | tool | wall (s) | CPU (s) | GB/s | peak RSS (MiB) | runs (min-max) |\n|---|---|---|---|---|---|---|\n',
  );
  for (const r of rows)
    process.stdout.write(
      `| ${r.size_gb} GB | ${r.tool} | ${r.wall_s.toFixed(2)} | ${r.cpu_s.toFixed(2)} | ${r.gb_per_s} | ${r.peak_rss_mib} | ${r.spread} |\n`,
    );
  if (!opts.torch) process.stdout.write('PyTorch left out (--no-torch).\n');
  else if (!withTorch)
    process.stdout.write(
      'PyTorch not measured: `python3 -c "import torch"` fails here (Debian: apt-get install python3-torch).\n',
    );
}

if (require.main === module) main(process.argv.slice(2));
