#!/usr/bin/env python3
"""Writes the safetensors test fixture with an independent writer.

Uses only Python's standard ``struct`` and ``json`` modules (no numpy, no
safetensors package) so that the TypeScript reader in lib/io/safetensors.ts is
checked against bytes it did not produce itself.

Outputs (committed as test data):
  test/fixtures/safetensors/small.safetensors
  test/fixtures/safetensors/expected.json

expected.json holds, per tensor, the dtype, shape, data_offsets, the raw
element bit patterns ("bits": unsigned ints for floats / BOOL, decimal strings
for I64) and the exact values ("values": floats, with "Infinity", "-Infinity"
and "NaN" spelled as strings since JSON has no such numbers; I64 as decimal
strings because they may exceed 2**53).

Deliberate quirks, to exercise the reader:
  * the data buffer is laid out in a different order from the header;
  * "layer0.bias" (F32) starts at a data offset that is not a multiple of 4;
  * the header uses json.dumps' default ", " / ": " separators and is padded
    with trailing spaces so the data starts at a multiple of 8;
  * a scalar (shape []) and an empty tensor (shape [0, 3]) are included.

Usage: python3 tools/make-safetensors-fixture.py   (from the repository root,
or from anywhere: paths are resolved relative to this script)
"""
import json
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "test", "fixtures", "safetensors")


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def bits_f32(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


def f16_bits(x):
    return struct.unpack("<H", struct.pack("<e", x))[0]


def bits_f16(b):
    return struct.unpack("<e", struct.pack("<H", b))[0]


def bf16_bits(x):
    """bfloat16 = upper 16 bits of the f32; only exact values are allowed."""
    b = f32_bits(x)
    if b & 0xFFFF:
        raise ValueError("%r is not exactly representable in bfloat16" % (x,))
    return b >> 16


def json_float(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def float_tensor(dtype, shape, values):
    if dtype == "F32":
        bits = [f32_bits(v) for v in values]
        exact = [bits_f32(b) for b in bits]
        raw = struct.pack("<%dI" % len(bits), *bits)
    elif dtype == "F16":
        bits = [f16_bits(v) for v in values]
        exact = [bits_f16(b) for b in bits]
        raw = struct.pack("<%dH" % len(bits), *bits)
    elif dtype == "BF16":
        bits = [bf16_bits(v) for v in values]
        exact = [bits_f32(b << 16) for b in bits]
        raw = struct.pack("<%dH" % len(bits), *bits)
    else:
        raise ValueError(dtype)
    return {"dtype": dtype, "shape": shape, "raw": raw, "bits": bits,
            "values": [json_float(v) for v in exact]}


def main():
    n_weight = 32
    tensors = {}  # header order (dicts keep insertion order)
    tensors["layer0.weight"] = float_tensor(
        "F32", [4, 8], [i * 0.25 - 4 for i in range(n_weight)])
    tensors["layer0.bias"] = float_tensor(
        "F32", [8], [0.1, -0.2, 1.0 / 3.0, 3.4e38, 1e-45, -0.0, 1e-7, -123.456])
    tensors["scale"] = float_tensor("F32", [], [2.5])
    tensors["empty"] = float_tensor("F32", [0, 3], [])
    tensors["layer1.weight_f16"] = float_tensor(
        "F16", [2, 3], [1.0, -2.0, 65504.0, 2.0 ** -24, 1.0 / 3.0, float("inf")])
    tensors["layer1.weight_bf16"] = float_tensor(
        "BF16", [5], [1.0, -2.5, 0.15625, 2.0 ** 100, 2.0 ** -130])
    i64 = [-1, 0, 2 ** 40, 2 ** 53 + 1, -(2 ** 63), 2 ** 63 - 1]
    tensors["step"] = {"dtype": "I64", "shape": [2, 3],
                       "raw": struct.pack("<%dq" % len(i64), *i64),
                       "bits": [str(v) for v in i64],
                       "values": [str(v) for v in i64]}
    mask = [1, 0, 0, 1]
    tensors["mask"] = {"dtype": "BOOL", "shape": [4],
                       "raw": struct.pack("<%dB" % len(mask), *mask),
                       "bits": mask, "values": [bool(v) for v in mask]}

    # Data layout order differs from header order; the BF16 tensor (10 bytes)
    # first puts layer0.bias at offset 10, which is not 4-byte aligned.
    layout = ["layer1.weight_bf16", "layer0.bias", "step", "layer1.weight_f16",
              "empty", "mask", "layer0.weight", "scale"]
    assert sorted(layout) == sorted(tensors)
    offset = 0
    data = b""
    for name in layout:
        t = tensors[name]
        t["data_offsets"] = [offset, offset + len(t["raw"])]
        data += t["raw"]
        offset += len(t["raw"])

    metadata = {"format": "pt"}
    header = {"__metadata__": metadata}
    for name, t in tensors.items():
        header[name] = {"dtype": t["dtype"], "shape": t["shape"],
                        "data_offsets": t["data_offsets"]}
    header_bytes = json.dumps(header).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)

    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "small.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        f.write(data)

    expected = {
        "metadata": metadata,
        "header_length": len(header_bytes),
        "data_length": len(data),
        "order": list(tensors),
        "tensors": {
            name: {"dtype": t["dtype"], "shape": t["shape"],
                   "data_offsets": t["data_offsets"], "bits": t["bits"],
                   "values": t["values"]}
            for name, t in tensors.items()
        },
    }
    with open(os.path.join(OUT_DIR, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
