#!/usr/bin/env python3
"""ONNX fixtures for OnnxPytorchTest, exported by PyTorch 1.13's torch.onnx.export.

Run with Debian's PyTorch (/usr/bin/python3 make_fixtures.py, from this folder). For each model NAME it
writes NAME.onnx and NAME.safetensors (the inputs "input0".. and PyTorch's outputs "output0".. in eval
mode; for the cnn also a batch "train_x"/"train_y" and PyTorch's losses "losses" over a few Adam steps
from the exported weights). Widths are shrunk so that all files stay small:
  mlp      Linear(6,16) ReLU Linear(16,16) Tanh Linear(16,3), float32, opset 17, dynamic batch axis
  mlp64    the same in float64, opset 13
  cnn      fashion-cnn (Conv 1->4->8, MaxPool, Dropout, Flatten, Linear 1152->16->10), opset 17, dynamic batch
  cnn_bn   the same with BatchNorm2d after each convolution (running statistics from a few batches),
           exported in PRESERVE mode so that BatchNormalization stays a node (EVAL mode folds it into Conv)
  gpt      a tiny GPT (2 layers, 2 heads, width 16, causal mask buffer, GELU), opset 17 (LayerNormalization)
  gpt13    the same at opset 13 (LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div)
  lstm     a 2-layer LSTM (batch_first) and a Linear head, opset 17
  gru      a 1-layer GRU, opset 14
"""
import json
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64"}


def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in sorted(tensors.items()):
        b = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Cnn(nn.Module):
    def __init__(self, bn):
        super().__init__()
        layers = [nn.Conv2d(1, 4, 3)] + ([nn.BatchNorm2d(4)] if bn else []) + [nn.ReLU(), nn.Conv2d(4, 8, 3)]
        layers += ([nn.BatchNorm2d(8)] if bn else []) + [nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                                                         nn.Linear(1152, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 10)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class Block(nn.Module):
    def __init__(self, width, heads, block):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.c_attn = nn.Linear(width, 3 * width)
        self.c_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.fc = nn.Linear(width, 4 * width)
        self.proj = nn.Linear(4 * width, width)
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        x = x + self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))
        return x + self.proj(F.gelu(self.fc(self.ln_2(x))))


class Gpt(nn.Module):
    def __init__(self, vocab=16, block=8, width=16, heads=2, layers=2):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(block, width)
        self.h = nn.ModuleList([Block(width, heads, block) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)

    def forward(self, idx):
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long).unsqueeze(0)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 8, num_layers=2, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y)


class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(5, 6)

    def forward(self, x):
        y, h = self.gru(x)
        return y, h


def export(name, model, inputs, opset, dynamic_batch=False, training=torch.onnx.TrainingMode.EVAL):
    model.eval()
    names = ["input%d" % i for i in range(len(inputs))]
    with torch.no_grad():
        outputs = model(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    out_names = ["output%d" % i for i in range(len(outputs))]
    axes = {n: {0: "batch"} for n in names + out_names} if dynamic_batch else None
    torch.onnx.export(model, tuple(inputs), name + ".onnx", opset_version=opset, input_names=names,
                      output_names=out_names, dynamic_axes=axes, training=training, do_constant_folding=True)
    tensors = dict(zip(names, inputs))
    tensors.update(zip(out_names, outputs))
    return tensors


def cnn_losses(model, x, y, steps=5):
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    torch.manual_seed(7)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return torch.tensor(losses, dtype=torch.float64)


def main():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))
    write("mlp.safetensors", export("mlp", mlp, [torch.randn(4, 6)], 17, dynamic_batch=True))
    write("mlp64.safetensors", export("mlp64", mlp.double(), [torch.randn(4, 6, dtype=torch.float64)], 13))

    for name, bn in (("cnn", False), ("cnn_bn", True)):
        torch.manual_seed(1)
        cnn = Cnn(bn)
        if bn:
            cnn.train()
            with torch.no_grad():
                for _ in range(3):
                    cnn(torch.randn(8, 1, 28, 28) * 2 + 0.5)
        mode = torch.onnx.TrainingMode.PRESERVE if bn else torch.onnx.TrainingMode.EVAL
        tensors = export(name, cnn, [torch.randn(2, 1, 28, 28)], 17, dynamic_batch=True, training=mode)
        if not bn:
            tensors["train_x"] = torch.randn(16, 1, 28, 28)
            tensors["train_y"] = torch.randint(0, 10, (16,))
            # Dropout off, so the losses depend on the weights alone (Kiln's dropout draws other bits)
            for m in cnn.modules():
                if isinstance(m, nn.Dropout):
                    m.p = 0.0
            tensors["losses"] = cnn_losses(cnn, tensors["train_x"], tensors["train_y"])
        write(name + ".safetensors", tensors)

    torch.manual_seed(2)
    gpt = Gpt()
    idx = torch.randint(0, 16, (2, 8))
    write("gpt.safetensors", export("gpt", gpt, [idx], 17))
    write("gpt13.safetensors", export("gpt13", gpt, [idx], 13))

    torch.manual_seed(3)
    write("lstm.safetensors", export("lstm", Lstm(), [torch.randn(2, 7, 5)], 17))
    torch.manual_seed(4)
    write("gru.safetensors", export("gru", Gru(), [torch.randn(4, 3, 5)], 14))


if __name__ == "__main__":
    main()
