#!/usr/bin/env python3
"""The fashion-cnn network in PyTorch 1.13, on equal terms with Kiln's: PyTorch's MNIST example network
(Conv2d(1,32,3) ReLU Conv2d(32,64,3) ReLU MaxPool2d(2) Dropout(0.25) Flatten Linear(9216,128) ReLU Dropout(0.5)
Linear(128,10)), CrossEntropyLoss, Adam (lr 1e-3) with StepLR (step 1 epoch, gamma 0.7), batches of 64, float32,
trained on Debian's Fashion-MNIST IDX files (apt-get install --no-install-recommends dataset-fashion-mnist).

Equal terms, as bench/pytorch_digits.py gives the digits MLP:
  * the same images: each byte as float32 byte / 255 (numpy's float32 division, IEEE-rounded as Java's), and
    with --normalize (x - 0.2860) / 0.3530 in float32 (Kiln's FashionMNIST.MEAN and STD);
  * the same batch order: every epoch is the permutation Kiln's DataLoader draws with
    .shuffle(new Generator(SEED)) (Kiln's Philox4x32-10 randperm, recomputed here bit for bit by
    pytorch_digits.KilnGenerator); the last short batch of 32 is kept, as Kiln's DataLoader keeps it;
  * the same initial weights: --init FILE reads a safetensors file Kiln wrote (model.save); tensors are
    matched by name (conv1.weight ... fc2.bias) or else by shape, which is unique per parameter here;
    --save-init FILE writes this run's initial weights for Kiln to load instead;
  * --no-dropout replaces both Dropout layers by identities, so that the two sides compute the same function
    and their losses (--losses FILE, one per step) agree to float32 noise.

Timing (--time): training steps at batch 64 (zero_grad, forward, loss, backward, Adam step), --warmup steps
first, then the median of --steps timed steps, in milliseconds, with --threads N (torch.set_num_threads).

Run from the repository root, with Debian's PyTorch (not a pyenv python):
  /usr/bin/python3 bench/pytorch_fashion.py [--epochs 3] [--steps N] [--threads N] [--no-dropout]
      [--init FILE] [--save-init FILE] [--losses FILE] [--normalize] [--seed 1234] [--root DIR] [--train-size N]
  /usr/bin/python3 bench/pytorch_fashion.py --time --threads 1 --steps 50 [--warmup 10]
"""
import argparse
import gzip
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join("runtime-cpu", "src", "test", "resources", "io"))
from make_fixtures import read, write  # noqa: E402
from pytorch_digits import KilnGenerator  # noqa: E402

ROOT = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530
BATCH, LR, GAMMA = 64, 1e-3, 0.7


def idx(path):
    """An IDX file (plain or .gz) as a numpy array, its magic and sizes checked."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    zero, kind, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file (magic {data[:4].hex()})")
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    if values.size != int(np.prod(dims)):
        sys.exit(f"{path}: dimensions {dims} need {int(np.prod(dims))} bytes of data, the file has {values.size}")
    return values.reshape(dims)


def find(root, name):
    for candidate in (os.path.join(root, name), os.path.join(root, name + ".gz")):
        if os.path.isfile(candidate):
            return candidate
    sys.exit(f"{os.path.join(root, name)}(.gz) not found: apt-get install --no-install-recommends dataset-fashion-mnist")


def load(root, train, normalize):
    prefix = "train" if train else "t10k"
    images = idx(find(root, prefix + "-images-idx3-ubyte"))
    labels = idx(find(root, prefix + "-labels-idx1-ubyte"))
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255)).unsqueeze(1)
    if normalize:
        x = (x - MEAN) / STD
    return x, torch.from_numpy(labels.astype(np.int64))


class Net(torch.nn.Module):
    """PyTorch's MNIST example network (examples/mnist/main.py), its parameters named as there."""

    def __init__(self, dropout):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3, 1)
        self.conv2 = torch.nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = torch.nn.Dropout(0.25) if dropout else torch.nn.Identity()
        self.dropout2 = torch.nn.Dropout(0.5) if dropout else torch.nn.Identity()
        self.fc1 = torch.nn.Linear(9216, 128)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = self.dropout1(torch.max_pool2d(x, 2))
        x = torch.flatten(x, 1)
        x = self.dropout2(torch.relu(self.fc1(x)))
        return self.fc2(x)


def load_init(model, path):
    tensors, _ = read(path)
    own = model.state_dict()
    if set(tensors) == set(own):
        mapped = tensors
    else:  # match by shape: every parameter of this network has a shape of its own
        by_shape = {tuple(v.shape): k for k, v in tensors.items()}
        mapped = {}
        for name, p in own.items():
            key = by_shape.get(tuple(p.shape))
            if key is None:
                sys.exit(f"{path}: no tensor of shape {list(p.shape)} for {name} (it holds {sorted(tensors)})")
            mapped[name] = tensors[key]
            print(f"init: {name} <- {key}")
    model.load_state_dict({k: v.float() for k, v in mapped.items()})


def batches(n, seed):
    """The batches of each epoch, as index lists: Kiln's DataLoader order for shuffle(new Generator(seed))."""
    shuffle = KilnGenerator(seed)
    while True:
        order = shuffle.randperm(n)
        yield [order[k:k + BATCH] for k in range(0, n, BATCH)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: all epochs); in --time, steps timed")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--time", action="store_true", help="print the median training-step time instead of training")
    ap.add_argument("--no-dropout", action="store_true")
    ap.add_argument("--normalize", action="store_true")
    ap.add_argument("--init")
    ap.add_argument("--save-init")
    ap.add_argument("--losses")
    ap.add_argument("--seed", type=int, default=1234, help="the Kiln Generator seed of the batch order")
    ap.add_argument("--torch-seed", type=int, default=0, help="torch.manual_seed: initial weights and dropout masks")
    ap.add_argument("--root", default=ROOT)
    ap.add_argument("--train-size", type=int, default=0, help="train on the first N images only (0: all), as fashion-cnn --train-size")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.torch_seed)
    x, y = load(args.root, True, args.normalize)
    if args.train_size:
        x, y = x[:args.train_size], y[:args.train_size]
    model = Net(not args.no_dropout)
    if args.init:
        load_init(model, args.init)
    if args.save_init:
        write(args.save_init, {k: v.detach().clone() for k, v in model.state_dict().items()})
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=GAMMA)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(rows):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[rows]), y[rows])
        loss.backward()
        opt.step()
        return loss

    model.train()
    epochs = batches(len(y), args.seed)
    if args.time:
        order = next(epochs)
        timed = args.steps or 50
        times = []
        for k in range(args.warmup + timed):
            rows = torch.tensor(order[k % len(order)])
            start = time.perf_counter()
            step(rows)
            times.append(time.perf_counter() - start)
        times = times[args.warmup:]
        print(f"pytorch {torch.__version__} fashion-cnn training step, batch {BATCH}, {args.threads} thread(s): "
              f"median {1e3 * statistics.median(times):.2f} ms over {timed} steps after {args.warmup} warm-up "
              f"(min {1e3 * min(times):.2f}, max {1e3 * max(times):.2f})")
        return

    losses, done = [], 0
    for epoch in range(1, args.epochs + 1):
        for rows in next(epochs):
            losses.append(step(torch.tensor(rows)).item())
            done += 1
            if args.steps and done >= args.steps:
                break
        sched.step()
        print(f"epoch {epoch}: {done} steps, last loss {losses[-1]:.4f}")
        if args.steps and done >= args.steps:
            break
    if args.losses:
        with open(args.losses, "w") as f:
            f.writelines(f"{v!r}\n" for v in losses)
    xt, yt = load(args.root, False, args.normalize)
    model.eval()
    with torch.no_grad():
        correct = sum((model(xt[k:k + 1000]).argmax(1) == yt[k:k + 1000]).sum().item() for k in range(0, len(yt), 1000))
    print(f"test accuracy: {correct / len(yt):.3f}")


if __name__ == "__main__":
    main()
