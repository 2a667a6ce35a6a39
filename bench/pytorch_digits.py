#!/usr/bin/env python3
"""The digits-mlp sample in PyTorch 1.13, on equal terms with Kiln's: the same initial weights (the committed
samples/src/test/resources/digits/digits_init.safetensors, written by Kiln), the same train/test split and the same
batch order in every epoch (Kiln's Philox4x32-10 permutations, recomputed here bit for bit), Adam at 3e-3,
batches of 64, 50 epochs, float32. Prints the test accuracy; with --write, records it in
samples/src/test/resources/digits/pytorch_accuracy.txt for DigitsSampleTest.

Run from the repository root: /usr/bin/python3 bench/pytorch_digits.py [--write]
(Debian: apt-get install python3-torch; reads the digits from the samples' resource, so no scikit-learn.)
"""
import gzip
import os
import sys

import torch

sys.path.insert(0, os.path.join("runtime-cpu", "src", "test", "resources", "io"))
from make_fixtures import read  # noqa: E402

SPLIT_SEED, SHUFFLE_SEED, TRAIN, BATCH, LR, EPOCHS = 42, 1234, 1437, 64, 3e-3, 50
M32 = 0xFFFFFFFF


def philox(c, k):
    """One Philox4x32-10 block of counter c (4 words) under key k (2 words), as Kiln's Generator.philox."""
    c0, c1, c2, c3 = c
    k0, k1 = k
    for _ in range(10):
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & M32, p1 & M32, ((p0 >> 32) ^ c3 ^ k1) & M32, p0 & M32
        k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
    return c0, c1, c2, c3


def word(seed, index):
    block = index >> 2
    return philox((block & M32, (block >> 32) & M32, 0, 0), (seed & M32, (seed >> 32) & M32))[index & 3]


def uniform64(seed, offset, i):
    w1, w2 = word(seed, offset + 2 * i), word(seed, offset + 2 * i + 1)
    return ((w1 >> 5) * (1 << 26) + (w2 >> 6)) * 2.0 ** -53


class KilnGenerator:
    def __init__(self, seed):
        self.seed, self.offset = seed, 0

    def randperm(self, n):
        start = self.offset
        self.offset += (2 * n + 3) & ~3
        keys = [uniform64(self.seed, start, i) for i in range(n)]
        return sorted(range(n), key=lambda i: (keys[i], i))


def main():
    torch.set_num_threads(1)
    with gzip.open(os.path.join("samples", "src", "main", "resources", "dev", "kiln", "samples", "digits", "digits.csv.gz"), "rt") as f:
        rows = [[float(v) for v in line.split(",")] for line in f]
    x = torch.tensor([r[:64] for r in rows], dtype=torch.float32) / 16
    y = torch.tensor([int(r[64]) for r in rows])
    perm = KilnGenerator(SPLIT_SEED).randperm(len(rows))
    train_idx, test_idx = perm[:TRAIN], perm[TRAIN:]

    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    init, _ = read(os.path.join("samples", "src", "test", "resources", "digits", "digits_init.safetensors"))
    model.load_state_dict({k: v.float() for k, v in init.items()})
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    shuffle = KilnGenerator(SHUFFLE_SEED)
    xt, yt = x[test_idx], y[test_idx]
    for epoch in range(1, EPOCHS + 1):
        order = shuffle.randperm(TRAIN)
        for k in range(0, TRAIN, BATCH):
            rows_k = [train_idx[i] for i in order[k:k + BATCH]]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[rows_k]), y[rows_k])
            loss.backward()
            opt.step()
        if epoch % 10 == 0:
            with torch.no_grad():
                acc = (model(xt).argmax(1) == yt).double().mean().item()
            print(f"epoch {epoch} loss {loss.item()} test accuracy {acc:.3f}")
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).double().mean().item()
    print(f"test accuracy: {acc:.3f}")
    if "--write" in sys.argv:
        with open(os.path.join("samples", "src", "test", "resources", "digits", "pytorch_accuracy.txt"), "w") as f:
            f.write(f"{acc}\n")


if __name__ == "__main__":
    main()
