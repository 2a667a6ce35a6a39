#!/usr/bin/env python3
"""PyTorch interop fixtures for PytorchInteropTest.

Writes, with PyTorch 1.13 (Debian: apt-get install python3-torch; run /usr/bin/python3 make_fixtures.py
from this folder):
  torch_mlp.safetensors     state_dict() of Sequential(Linear(3, 8), Tanh(), Linear(8, 2)), float64
  torch_bn.safetensors      state_dict() of Sequential(Linear(4, 3), BatchNorm1d(3)) after a few
                            training-mode batches (running statistics and num_batches_tracked)
  torch_io.safetensors      inputs and PyTorch's outputs for both (eval mode), plus float16 and
                            bfloat16 tensors with the float32 values PyTorch widens them to

Debian packages no safetensors library (and PyPI is out of reach here), so `write` below is a plain
Python writer that follows the reference writer's rules (huggingface/safetensors, tensor.rs
`prepare`): entries sorted by dtype in descending declaration order, then by name (UTF-8 bytes);
compact JSON, `__metadata__` first with its keys sorted; the header padded with spaces to a multiple
of 8. Kiln's writer is checked byte for byte against these files.

  /usr/bin/python3 make_fixtures.py --check FILE   reads a Kiln-written file with `read` below and
                                                    runs it through the MLP if it holds one
"""
import json
import struct
import sys

import torch

DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.bool: "BOOL"}
BACK = {v: k for k, v in DTYPES.items()}
ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ",
         "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]


def raw(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().newbyteorder("<").tobytes() if t.numpy().dtype.byteorder == ">" else t.numpy().tobytes()


def write(path, tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-ORDER.index(DTYPES[kv[1].dtype]), kv[0].encode("utf-8")))
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = dict(sorted(metadata.items(), key=lambda kv: kv[0].encode("utf-8")))
    for name, t in items:
        b = raw(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def cases_to_tensors(cases, constants):
    """Runs each case {name: (inputs, fn)} on fresh leaves with a random upstream gradient g: name.in<k>,
    name.out, name.g and name.grad<k> = d sum(out * g) / d in<k>; then const.<name> for each constant."""
    out = {}
    for name, (inputs, fn) in cases.items():
        ins = [t.clone().requires_grad_(True) for t in inputs]
        y = fn(*ins)
        g = torch.randn(y.shape)
        (y * g).sum().backward()
        for k, t in enumerate(ins):
            out[f"{name}.in{k}"] = t.detach()
            out[f"{name}.grad{k}"] = t.grad
        out[f"{name}.out"] = y.detach()
        out[f"{name}.g"] = g
    for k, v in constants.items():
        out[f"const.{k}"] = v
    return out


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        s, e = info["data_offsets"]
        buf = bytearray(data[8 + n + s:8 + n + e])
        dtype = BACK[info["dtype"]]
        t = torch.frombuffer(buf, dtype=dtype) if len(buf) else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out, meta


def main():
    torch.manual_seed(1913)
    torch.set_default_dtype(torch.float64)
    mlp = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    bn = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    with torch.no_grad():
        for _ in range(5):  # running statistics away from their initial values
            bn(torch.randn(16, 4) * 2 + 1)
        bn[1].weight.copy_(torch.tensor([1.5, -0.5, 0.75]))
        bn[1].bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
    bn.eval()
    x_mlp = torch.randn(5, 3)
    x_bn = torch.randn(6, 4)
    with torch.no_grad():
        y_mlp = mlp(x_mlp)
        y_bn = bn(x_bn)
    half = torch.randn(7, dtype=torch.float32).half()
    bhalf = torch.randn(7, dtype=torch.float32).bfloat16()
    write("torch_mlp.safetensors", mlp.state_dict(), {"format": "pt"})
    write("torch_bn.safetensors", bn.state_dict(), {"format": "pt"})
    write("torch_io.safetensors", {"mlp.x": x_mlp, "mlp.y": y_mlp, "bn.x": x_bn, "bn.y": y_bn,
                                   "half": half, "half.as_f32": half.float(),
                                   "bhalf": bhalf, "bhalf.as_f32": bhalf.float()})
    # the reader reads back what the writer wrote
    back, meta = read("torch_mlp.safetensors")
    assert meta == {"format": "pt"} and all(torch.equal(back[k], v) for k, v in mlp.state_dict().items())


def check(path):
    tensors, meta = read(path)
    print("read", path, "metadata", meta)
    for k, v in tensors.items():
        print(" ", k, DTYPES[v.dtype], list(v.shape))
    if {"0.weight", "0.bias", "2.weight", "2.bias"} <= set(tensors):
        torch.set_default_dtype(torch.float64)
        w = tensors["0.weight"]
        mlp = torch.nn.Sequential(torch.nn.Linear(w.shape[1], w.shape[0]), torch.nn.Tanh(),
                                  torch.nn.Linear(tensors["2.weight"].shape[1], tensors["2.weight"].shape[0]))
        mlp.load_state_dict({k: tensors[k].double() for k in mlp.state_dict()})
        io, _ = read("torch_io.safetensors")
        with torch.no_grad():
            print("  MLP on the fixture inputs:", mlp(io["mlp.x"]).flatten().tolist())
    # and the same tensors written by this script's reference-rules writer: byte for byte?
    write(path + ".py", tensors, meta if meta else None)
    with open(path, "rb") as a, open(path + ".py", "rb") as b:
        print("  byte-identical to the Python writer:", a.read() == b.read())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        main()
