#!/usr/bin/env python3
"""Fixtures for Tests/TorchIOTests, made by real PyTorch.

Rerun (from the repository root, with torch 2.13 installed):
    python3.11 Tools/make_torchio_fixtures.py

For every `NAME.pt` it writes `NAME.expected.txt`: the value torch.load returns, rendered in a
canonical text form that the Swift tests reproduce exactly (tensors as dtype, shape and the hex
of their contiguous little-endian bytes; floats as the hex of their IEEE bits). Malicious files
come with `NAME.global.txt`, the global the reader must name when rejecting them; the script
checks that torch.load(weights_only=True) rejects them too.
"""
import io
import os
import pickle
import struct
import zipfile

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "TorchIOTests", "Fixtures")
DTYPE_NAMES = {
    torch.float64: "float64", torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.int64: "int64", torch.int32: "int32", torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8",
    torch.bool: "bool", torch.uint16: "uint16", torch.uint32: "uint32", torch.uint64: "uint64",
    torch.complex64: "complex64", torch.complex128: "complex128",
}


def render(v):
    """Canonical text of a loaded value (mirrored by FixtureRendering.swift)."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        if -(2**63) <= v < 2**63:
            return f"int({v})"
        return "bigint(" + pickle.encode_long(v).hex() + ")"
    if isinstance(v, complex):
        return f"opaque(builtins.complex,[{render(v.real)},{render(v.imag)}])"
    if isinstance(v, set):
        return "set(" + ",".join(render(x) for x in v) + ")"
    if isinstance(v, float):
        return "float(" + struct.pack("<d", v).hex() + ")"
    if isinstance(v, str):
        return "str(" + v.encode().hex() + ")"
    if isinstance(v, (bytes, bytearray)):
        return "bytes(" + bytes(v).hex() + ")"
    if isinstance(v, torch.Tensor):
        data = v.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if v.numel() else b""
        return f"tensor({DTYPE_NAMES[v.dtype]},[{','.join(str(d) for d in v.shape)}],{data.hex()})"
    if isinstance(v, list):
        return "[" + ",".join(render(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ",".join(render(x) for x in v) + ")"
    if isinstance(v, dict):
        return "{" + ",".join(render(k) + ":" + render(x) for k, x in v.items()) + "}"
    raise TypeError(type(v))


def save(name, obj, **kw):
    path = os.path.join(OUT, name + ".pt")
    torch.save(obj, path, **kw)
    # torch's weights_only loader does not take protocol-4 opcodes (FRAME); that file is ours.
    check(name, obj, weights_only=kw.get("pickle_protocol", 2) == 2)


def check(name, obj, weights_only=True):
    """torch.load must give back `obj`; the expectation is what it returns."""
    path = os.path.join(OUT, name + ".pt")
    loaded = torch.load(path, weights_only=weights_only)
    assert render(loaded) == render(obj), name
    with open(os.path.join(OUT, name + ".expected.txt"), "w") as f:
        f.write(render(loaded) + "\n")


def dtypes():
    f = torch.tensor([0.0, -0.0, 1.5, -2.25, float("inf"), float("-inf"), float("nan"), 1e-40, 3.4e38, 65504.0])
    return {
        "f64": torch.tensor([0.1, -1e300, 5e-324, float("nan"), 2.0**60], dtype=torch.float64),
        "f32": f,
        "f16": f.to(torch.float16),
        "bf16": f.to(torch.bfloat16),
        "i64": torch.tensor([0, -1, 2**62, -(2**63), 2**63 - 1], dtype=torch.int64),
        "i32": torch.tensor([0, -1, 2**31 - 1, -(2**31)], dtype=torch.int32),
        "i16": torch.tensor([0, -1, 32767, -32768], dtype=torch.int16),
        "i8": torch.tensor([0, -1, 127, -128], dtype=torch.int8),
        "u8": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "u16": torch.tensor([0, 1, 40000, 65535], dtype=torch.int32).to(torch.uint16),
        "u32": torch.tensor([0, 1, 2**32 - 1], dtype=torch.int64).to(torch.uint32),
        "u64": torch.tensor([0, 1, 2**63 - 1], dtype=torch.int64).to(torch.uint64),
        "c64": torch.tensor([1 + 2j, -0.5j], dtype=torch.complex64),
        "c128": torch.tensor([1e300 - 1j], dtype=torch.complex128),
        "matrix": torch.arange(12, dtype=torch.float32).reshape(3, 4) / 7,
    }


def views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5
    longs = torch.arange(10, dtype=torch.int64) * 1000003
    return {
        "base": base,
        "rows": base[1:3],  # storage offset 6
        "transposed": base.t(),  # non-contiguous
        "every_other": base[:, ::2],  # stride 2 in the last dim
        "element": base[2, 3],  # 0-dim view with offset 15
        "expanded": torch.arange(3, dtype=torch.float32).expand(4, 3),  # stride 0
        "long_tail": longs[7:],  # offset scaled by 8-byte elements
        "permuted": torch.arange(24, dtype=torch.int16).reshape(2, 3, 4).permute(2, 0, 1),
        "empty": torch.zeros(0, 3),
        "scalar": torch.tensor(3.25),
        "int_scalar": torch.tensor(5580),
    }


def small_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv1d(2, 3, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(), torch.nn.Linear(4, 2))


def checkpoint():
    model = small_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = model(torch.randn(2, 2, 6)).square().mean()
    loss.backward()
    opt.step()
    return {"epoch": 7, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
            "val_mae": 2.5, "history": [(1, 3.5), (2, None)], "name": "tiny"}


def rezip(src, dst, transform=lambda name, data: data, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression=compression) as zout:
        for info in zin.infolist():
            # A fixed timestamp keeps the fixtures byte-identical from run to run.
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zout.writestr(fixed, transform(info.filename, zin.read(info.filename)), compress_type=compression)


def big_endian():
    obj = {"f32": torch.tensor([1.0, -2.5, 3e-3]), "i64": torch.tensor([1, -2, 2**40]),
           "f16": torch.tensor([0.5, -1.0], dtype=torch.float16), "i16": torch.tensor([258, -3], dtype=torch.int16),
           "u8": torch.tensor([1, 2, 3], dtype=torch.uint8)}
    widths = [4, 8, 2, 2, 1]  # storage keys are assigned in this order
    tmp = os.path.join(OUT, "_tmp.pt")
    torch.save(obj, tmp)

    def swap(name, data):
        if name.endswith("/byteorder"):
            return b"big"
        if "/data/" in name and not name.endswith(".pkl"):
            w = widths[int(name.rsplit("/", 1)[1])]
            return b"".join(data[i:i + w][::-1] for i in range(0, len(data), w))
        return data

    rezip(tmp, os.path.join(OUT, "big_endian.pt"), swap)
    os.remove(tmp)
    check("big_endian", obj)


def deflate():
    obj = {"weight": torch.linspace(-1, 1, 40).reshape(5, 8), "steps": torch.arange(30)}
    tmp = os.path.join(OUT, "_tmp.pt")
    torch.save(obj, tmp)
    rezip(tmp, os.path.join(OUT, "deflate.pt"), compression=zipfile.ZIP_DEFLATED)
    os.remove(tmp)
    with zipfile.ZipFile(os.path.join(OUT, "deflate.pt")) as z:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    check("deflate", obj)


def zip64():
    """Every size and offset in the central directory (and local headers) moved to ZIP64 extra
    fields, and the classic end record saturated: what a > 4 GiB checkpoint looks like."""
    obj = {"w": torch.arange(12, dtype=torch.float32).reshape(3, 4), "b": torch.tensor([1, 2], dtype=torch.int64)}
    tmp = os.path.join(OUT, "_tmp.pt")
    torch.save(obj, tmp)
    with zipfile.ZipFile(tmp) as z:
        records = [(i.filename.encode(), z.read(i.filename), i.CRC) for i in z.infolist()]
    os.remove(tmp)
    out, central = bytearray(), bytearray()
    for name, data, crc in records:
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name), 20)
        out += name + struct.pack("<HHQQ", 1, 16, len(data), len(data)) + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(name), 28, 0, 0, 0, 0, 0xFFFFFFFF)
        central += name + struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
    cd_offset = len(out)
    out += central
    eocd64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(records), len(records), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(os.path.join(OUT, "zip64.pt"), "wb") as f:
        f.write(out)
    check("zip64", obj)


def malicious():
    tmp = os.path.join(OUT, "_tmp.pt")
    torch.save({"w": torch.ones(2)}, tmp)
    payloads = {
        # GLOBAL 'posix system' ('echo pwned',) REDUCE  — what pickling os.system produces
        "evil_global": (b"\x80\x02cposix\nsystem\nX\x0a\x00\x00\x00echo pwnedq\x00\x85R.", "posix.system"),
        # protocol 4: STACK_GLOBAL of ('os', 'system')
        "evil_stack_global": (b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x0aecho pwned\x85R.", "os.system"),
        "evil_eval": (b"\x80\x02cbuiltins\neval\nX\x0e\x00\x00\x00__import__('os')\x85R.".replace(b"\x0e\x00", b"\x10\x00"), "builtins.eval"),
        "evil_popen": (b"\x80\x02csubprocess\nPopen\n]X\x02\x00\x00\x00lsa\x85R.", "subprocess.Popen"),
    }
    for name, (pkl, glob) in payloads.items():
        rezip(tmp, os.path.join(OUT, name + ".pt"), lambda n, d, pkl=pkl: pkl if n.endswith("data.pkl") else d)
        expect_rejected(name, glob)
    os.remove(tmp)
    # A numpy scalar as val_mae: torch.save writes numpy's reconstruction globals.
    path = os.path.join(OUT, "numpy_scalar.pt")
    torch.save({"val_mae": np.float64(2.5)}, path)
    names = [a for op, a, _ in __import__("pickletools").genops(zipfile.ZipFile(path).read("numpy_scalar/data.pkl")) if op.name == "GLOBAL"]
    expect_rejected("numpy_scalar", names[0].replace(" ", "."))


def expect_rejected(name, glob):
    path = os.path.join(OUT, name + ".pt")
    try:
        torch.load(path, weights_only=True)
    except pickle.UnpicklingError as e:
        # torch rejects protocol-4 opcodes before it looks at the global; protocol 2 names it.
        assert glob.split(".")[-1] in str(e) or "Unsupported operand" in str(e), (name, str(e))
    else:
        raise AssertionError(name + " was accepted by torch.load(weights_only=True)")
    with open(os.path.join(OUT, name + ".global.txt"), "w") as f:
        f.write(glob + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    save("dtypes", dtypes())
    save("plain", {"set": {1, 2, 3}, "bytes": b"\x00\xffab", "complex": 1.5 - 2j, "big": 2**70, "negative_big": -(2**65),
                   "ints": [0, 255, 256, 65535, 65536, -1, 2**31, -(2**31) - 1, 2**63 - 1], "unicode": "h\u00e9\u2713",
                   "nested": {"a": [(), (None,), {"b": False}]}, 7: "int key", "floats": [0.1, -0.0, float("inf")]})
    save("views", views())
    save("checkpoint", checkpoint())
    dp = torch.nn.DataParallel(small_model())
    save("dataparallel", dp.state_dict())
    save("protocol4", {"a": torch.arange(6, dtype=torch.float32).reshape(2, 3), "t": (1, "x", None), 3: [True, 2.5]}, pickle_protocol=4)
    base = views()["base"]
    save("legacy", {"base": base, "rows": base[1:3], "transposed": base.t(),
                    "i": torch.tensor([1, 2, 3]), "scalar": torch.tensor(2.0), "epoch": 3},
         _use_new_zipfile_serialization=False)
    big_endian()
    deflate()
    zip64()
    malicious()
    oversized_view()


def oversized_view():
    """A tensor of 100 elements over a 6-element storage: torch refuses it, so must we."""
    tmp = os.path.join(OUT, "_tmp.pt")
    torch.save({"w": torch.ones(6)}, tmp)
    path = os.path.join(OUT, "oversized_view.pt")
    rezip(tmp, path, lambda n, d: d.replace(b"K\x06\x85", b"Kd\x85", 1) if n.endswith("data.pkl") else d)
    os.remove(tmp)
    try:
        torch.load(path, weights_only=True)
    except RuntimeError:
        pass
    else:
        raise AssertionError("torch accepted oversized_view.pt")


if __name__ == "__main__":
    main()
