#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Writes the tiny GGUF seed files of tests/fuzz/corpus/gguf_fuzz/ with the
# standard library alone (an encoder independent of runtime/model/gguf_write.c).
# Run from the repository root: python3 tests/fuzz/gguf_seeds.py
import os
import struct

OUT = "tests/fuzz/corpus/gguf_fuzz"


def s(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, payload):
    return s(key) + struct.pack("<I", vtype) + payload


def arr(etype, items):
    return struct.pack("<IQ", etype, len(items)) + b"".join(items)


def gguf(kvs, tensors, version=3, align=32):
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs)
    data, infos = b"", b""
    for name, dims, ttype, raw in tensors:
        infos += s(name) + struct.pack("<I", len(dims)) + b"".join(
            struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", ttype, len(data))
        data += raw + b"\0" * (-len(raw) % align)
    head += infos
    head += b"\0" * (-len(head) % align)
    return head + data


def f32(*v):
    return struct.pack("<%df" % len(v), *v)


seeds = {
    "minimal.gguf": gguf([kv("general.architecture", 8, s("mnist-fc"))],
                         [("fc.bias", [4], 0, f32(1, 2, 3, 4))]),
    "every_kv.gguf": gguf([
        kv("u8", 0, b"\x07"), kv("i8", 1, b"\xf9"), kv("u16", 2, struct.pack("<H", 7)),
        kv("i16", 3, struct.pack("<h", -7)), kv("u32", 4, struct.pack("<I", 7)),
        kv("i32", 5, struct.pack("<i", -7)), kv("f32", 6, f32(0.5)), kv("bool", 7, b"\x01"),
        kv("str", 8, s("hello")), kv("u64", 10, struct.pack("<Q", 7)),
        kv("i64", 11, struct.pack("<q", -7)), kv("f64", 12, struct.pack("<d", 0.25)),
        kv("ints", 9, arr(5, [struct.pack("<i", i) for i in (1, -2, 3)])),
        kv("words", 9, arr(8, [s("a"), s("bc"), s("")])),
        kv("nested", 9, arr(9, [arr(8, [s("x")]), arr(8, [s("y"), s("zz")])])),
    ], []),
    "all_types.gguf": gguf([kv("general.alignment", 4, struct.pack("<I", 64))], [
        ("f32", [2, 2], 0, f32(1, -1, 2, -2)),
        ("f16", [2], 1, struct.pack("<2H", 0x3c00, 0xc000)),
        ("q4", [32], 2, struct.pack("<H", 0x3800) + bytes(range(16))),
        ("q8", [32, 1], 8, struct.pack("<H", 0x3c00) + bytes(range(32))),
        ("i8", [3], 24, b"\x80\x00\x7f"),
        ("i16", [2], 25, struct.pack("<2h", -1, 1)),
        ("i32", [1, 1, 1, 2], 26, struct.pack("<2i", -1, 1)),
    ], align=64),
    "v2.gguf": gguf([kv("general.name", 8, s("v2"))], [("w", [8], 0, f32(*range(8)))],
                    version=2),
}

os.makedirs(OUT, exist_ok=True)
for name, blob in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(blob)
