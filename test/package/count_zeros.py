#!/usr/bin/env python3
"""An independent safetensors reader (struct and json only): prints {tensor: [zeros, elements]} of every
F32 tensor as JSON. Usage: count_zeros.py FILE.safetensors"""
import json
import struct
import sys

with open(sys.argv[1], "rb") as f:
    data = f.read()
(header_len,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8 : 8 + header_len])
base = 8 + header_len
out = {}
for name, info in header.items():
    if name == "__metadata__" or info["dtype"] != "F32":
        continue
    begin, end = info["data_offsets"]
    values = struct.unpack("<%df" % ((end - begin) // 4), data[base + begin : base + end])
    out[name] = [sum(1 for v in values if v == 0.0), len(values)]
print(json.dumps(out))
