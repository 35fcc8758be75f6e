#!/usr/bin/env python3
"""Independent check of `prunekit prune` on a sharded BF16 checkpoint, with struct and json only.

  check_sharded.py make DIR            writes a sharded BF16 checkpoint (3 shards + index) of random weights
  check_sharded.py check IN OUT MODE   checks OUT against IN; MODE is 2:4 (0.5) or 4x1 (0.9 global)
"""
import json
import os
import random
import struct
import sys

ROWS, COLS = 256, 1024


def bf16_value(bits):
    return struct.unpack("<f", struct.pack("<I", bits << 16))[0]


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    tensors = []
    for name, info in header.items():
        b, e = info["data_offsets"]
        raw = data[8 + n + b : 8 + n + e]
        bits = list(struct.unpack("<%dH" % (len(raw) // 2), raw)) if info["dtype"] == "BF16" else None
        tensors.append((b, name, info["dtype"], info["shape"], bits))
    tensors.sort()  # file order
    return meta, [(name, dtype, shape, bits) for _, name, dtype, shape, bits in tensors]


def make(folder):
    os.makedirs(folder)
    rng = random.Random(11)
    weight_map, total = {}, 0
    for s in range(3):
        shard = "model-%05d-of-00003.safetensors" % (s + 1)
        tensors = []
        for l in range(2):
            # Nonzero magnitudes below 2 with the sign random: no zero, Inf or NaN in the input.
            bits = [(rng.getrandbits(1) << 15) | rng.randrange(0x3000, 0x3FFF) for _ in range(ROWS * COLS)]
            tensors.append(("layers.%d.%d.weight" % (s, l), [ROWS, COLS], bits))
            tensors.append(("layers.%d.%d.bias" % (s, l), [COLS], [0x3F80] * COLS))
        header, off = {"__metadata__": {"format": "pt"}}, 0
        for name, shape, bits in tensors:
            header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [off, off + 2 * len(bits)]}
            off += 2 * len(bits)
            weight_map[name] = shard
        total += off
        h = json.dumps(header).encode()
        h += b" " * (-len(h) % 8)
        with open(os.path.join(folder, shard), "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h)
            for _, _, bits in tensors:
                f.write(struct.pack("<%dH" % len(bits), *bits))
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f)


def fail(msg):
    print("check_sharded: FAIL: " + msg)
    sys.exit(1)


def check(src, out, mode):
    index_in = json.load(open(os.path.join(src, "model.safetensors.index.json")))
    index_out = json.load(open(os.path.join(out, "model.safetensors.index.json")))
    if index_out["weight_map"] != index_in["weight_map"]:
        fail("weight_map differs")
    if index_out["metadata"]["total_size"] != index_in["metadata"]["total_size"]:
        fail("total_size differs")
    if sorted(os.listdir(out)) != sorted(os.listdir(src)):
        fail("files differ: %s vs %s" % (sorted(os.listdir(out)), sorted(os.listdir(src))))
    blocks = []  # (mean |w|, pruned) of every 4x1 block of every weight
    for shard in sorted(set(index_in["weight_map"].values())):
        meta_in, a = read(os.path.join(src, shard))
        meta_out, b = read(os.path.join(out, shard))
        if [(n, d, s) for n, d, s, _ in a] != [(n, d, s) for n, d, s, _ in b]:
            fail("%s: tensors, order, dtypes or shapes differ" % shard)
        if meta_out.get("format") != "pt" or "prunekit_pruned" not in meta_out:
            fail("%s: metadata %r" % (shard, meta_out))
        for (name, _, shape, x), (_, _, _, y) in zip(a, b):
            if len(shape) != 2:
                if x != y:
                    fail("%s: a dense tensor changed" % name)
                continue
            for i, (u, v) in enumerate(zip(x, y)):
                if v != u and v != 0:
                    fail("%s[%d]: kept element changed (%04x -> %04x)" % (name, i, u, v))
            if mode == "2:4":
                for g in range(0, len(x), 4):
                    zeros = [j for j in range(g, g + 4) if y[j] == 0]
                    if len(zeros) != 2:
                        fail("%s group %d: %d zeros, expected 2" % (name, g // 4, len(zeros)))
                    pruned = max(abs(bf16_value(x[j])) for j in zeros)
                    kept = min(abs(bf16_value(x[j])) for j in range(g, g + 4) if j not in zeros)
                    if pruned > kept:
                        fail("%s group %d: pruned |w| %g above kept %g" % (name, g // 4, pruned, kept))
            else:
                for r in range(0, ROWS, 4):
                    for c in range(COLS):
                        idx = [(r + k) * COLS + c for k in range(4)]
                        zeros = sum(1 for j in idx if y[j] == 0)
                        if zeros not in (0, 4):
                            fail("%s: a 4x1 block is partly pruned" % name)
                        mean = sum(abs(bf16_value(x[j])) for j in idx) / 4
                        blocks.append((mean, zeros == 4))
    if mode == "4x1":
        pruned = [m for m, p in blocks if p]
        kept = [m for m, p in blocks if not p]
        if len(pruned) != int(0.9 * len(blocks)):
            fail("%d of %d blocks pruned, expected floor(0.9 * count) = %d" % (len(pruned), len(blocks), int(0.9 * len(blocks))))
        # float64 means here, F32 in prunekit: allow the rounding of one F32 ulp.
        if max(pruned) > min(kept) * (1 + 2 ** -22):
            fail("global ranking: a pruned block's mean |w| %g is above a kept one's %g" % (max(pruned), min(kept)))
    print("check_sharded: %s OK (%s)" % (mode, out))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3], sys.argv[4])
