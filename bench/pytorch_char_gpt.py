#!/usr/bin/env python3
"""The char-gpt sample in PyTorch 1.13, on equal terms with Kiln's: karpathy's nanoGPT model (model.py without
flash attention: the explicit masked softmax a PyTorch 1.13 user writes; bias on, dropout 0, the head tied to the
token embedding) trained as nanoGPT's train.py does at the shakespeare_char CPU configuration (4 layers, 4 heads,
width 128, block 64, batch 12, AdamW lr 1e-3 betas (0.9, 0.99) weight decay 0.1 on the 2-D weights only, 100
warm-up steps and cosine decay to 1e-4, gradients clipped at 1.0, 2000 iterations, train and validation loss of
20 batches every 100 steps), on Debian's fortunes text, float32.

Equal terms with Kiln's sample (samples/.../CharGptSample.java):
  * the same text and vocabulary: every plain cookie file under /usr/share/games/fortunes (not the .dat
    indexes, not the .u8 links), in file-name order, UTF-8; the vocabulary is the sorted distinct code points;
    the first 90% of the tokens train, the last 10% validate;
  * the same batches: nanoGPT's get_batch with Kiln's Generator (Philox4x32-10, recomputed here bit for bit
    by pytorch_digits.word): a batch reserves 2·batch words and block b starts at
    floor(uniform64(seed, start, b) * (len - block)); evaluations draw from the same generator, as nanoGPT's
    draw from torch's global one;
  * the same initial weights: --init FILE reads the safetensors file Kiln wrote
    (./kiln sample char-gpt --save-init FILE ...), with nanoGPT's names (transformer.wte.weight, ...).

  /usr/bin/python3 bench/pytorch_char_gpt.py --init init.safetensors [--iters 2000] [--losses FILE]
      [--compare KILN_LOSSES] [--layers 4 --heads 4 --embd 128 --block 64 --batch 12] [--threads N]
  /usr/bin/python3 bench/pytorch_char_gpt.py --time --threads 1 --steps 20 [--warmup 5]     training step, ms
  /usr/bin/python3 bench/pytorch_char_gpt.py --time-generate --threads 1 --tokens 63           tokens per second

--compare FILE reads Kiln's per-step losses (char-gpt --losses FILE) and prints the largest difference over
the first 100 steps. --write-fixture writes the first 100 losses of the test configuration (the --small
sizes, seed 1337, Kiln's initial weights from --init) to samples/src/test/resources/chargpt/pytorch_losses.txt
for CharGptParityTest. --time-generate times generation of --tokens tokens from a one-character prompt,
nanoGPT's generate (the whole window recomputed each token) and a hand-written key/value cache.
"""
import argparse
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join("runtime-cpu", "src", "test", "resources", "io"))
from make_fixtures import read  # noqa: E402
from pytorch_digits import word  # noqa: E402

ROOT = "/usr/share/games/fortunes"
FIXTURE = os.path.join("samples", "src", "test", "resources", "chargpt", "pytorch_losses.txt")


def load_text(root):
    names = sorted(n for n in os.listdir(root) if not n.endswith(".dat") and not n.endswith(".u8")
                   and os.path.isfile(os.path.join(root, n)) and not os.path.islink(os.path.join(root, n)))
    # Java sorts paths by their UTF-16 names; these are ASCII, where that is Python's order
    return "".join(open(os.path.join(root, n), encoding="utf-8", newline="").read() for n in names)


class KilnGenerator:
    def __init__(self, seed):
        self.seed, self.offset = seed, 0

    def reserve(self, words):
        start = self.offset
        self.offset += (words + 3) & ~3
        return start

    def uniform64(self, start, i):
        w1, w2 = word(self.seed, start + 2 * i), word(self.seed, start + 2 * i + 1)
        return ((w1 >> 5) * (1 << 26) + (w2 >> 6)) * 2.0 ** -53


def get_batch(data, batch, block, g):
    start = g.reserve(2 * batch)
    ix = [int(g.uniform64(start, b) * (len(data) - block)) for b in range(batch)]
    x = torch.stack([data[i:i + block] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + block] for i in ix])
    return x, y


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head, self.n_embd = n_head, n_embd
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def heads(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        return [t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v)]

    def merge(self, y):
        B, _, T, _ = y.size()
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, self.n_embd))

    def forward(self, x):
        q, k, v = self.heads(x)
        T = x.size(1)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        return self.merge(F.softmax(att, dim=-1) @ v)


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block, n_layer, n_head, n_embd):
        super().__init__()
        self.block = block
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, n_embd), wpe=nn.Embedding(block, n_embd),
            h=nn.ModuleList([Block(n_embd, n_head, block) for _ in range(n_layer)]), ln_f=nn.LayerNorm(n_embd)))
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx, targets=None):
        t = idx.size(1)
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(0, t, dtype=torch.long))
        for b in self.transformer.h:
            x = b(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        if targets is None:
            return logits
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    @torch.no_grad()
    def generate(self, idx, n, temperature=0.8, top_k=200, generator=None):
        """nanoGPT's generate: the whole (cropped) window recomputed for each token."""
        for _ in range(n):
            logits = self(idx if idx.size(1) <= self.block else idx[:, -self.block:])[:, -1, :] / temperature
            if top_k:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("inf")
            idx = torch.cat((idx, torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)), dim=1)
        return idx

    @torch.no_grad()
    def generate_cached(self, idx, n, temperature=0.8, top_k=200, generator=None):
        """The same sampling with a hand-written key/value cache: one token's forward per step."""
        cache = [None] * len(self.transformer.h)
        pos = 0
        cur = idx
        for _ in range(n):
            T = cur.size(1)
            x = self.transformer.wte(cur) + self.transformer.wpe(torch.arange(pos, pos + T))
            for i, b in enumerate(self.transformer.h):
                q, k, v = b.attn.heads(b.ln_1(x))
                if cache[i] is not None:
                    k, v = torch.cat((cache[i][0], k), 2), torch.cat((cache[i][1], v), 2)
                cache[i] = (k, v)
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                if T > 1:
                    att = att.masked_fill(b.attn.bias[:, :, :T, :T] == 0, float("-inf"))
                x = x + b.attn.merge(F.softmax(att, dim=-1) @ v)
                x = x + b.mlp(b.ln_2(x))
            logits = self.lm_head(self.transformer.ln_f(x))[:, -1, :] / temperature
            if top_k:
                vals, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < vals[:, [-1]]] = -float("inf")
            cur = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
            idx = torch.cat((idx, cur), dim=1)
            pos += T
        return idx


def configure(model, lr, weight_decay):
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.99))


def get_lr(a, it):
    if it < a.warmup:
        return a.lr * (it + 1) / (a.warmup + 1)
    if it > a.iters:
        return a.min_lr
    ratio = 1.0 if a.iters == a.warmup else (it - a.warmup) / (a.iters - a.warmup)
    return a.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (a.lr - a.min_lr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default=ROOT)
    p.add_argument("--init")
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--eval-interval", type=int, default=100)
    p.add_argument("--eval-iters", type=int, default=20)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--embd", type=int, default=128)
    p.add_argument("--block", type=int, default=64)
    p.add_argument("--batch", type=int, default=12)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--small", action="store_true", help="CharGptParityTest's sizes: 2 layers, width 64, block 32, 100 iterations")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--losses")
    p.add_argument("--compare")
    p.add_argument("--write-fixture", action="store_true")
    p.add_argument("--time", action="store_true")
    p.add_argument("--time-generate", action="store_true")
    p.add_argument("--steps", type=int, default=20, help="--time: timed steps; else stop training after this many (0: all)")
    p.add_argument("--warmup-steps", type=int, default=5)
    p.add_argument("--tokens", type=int, default=63)
    a = p.parse_args()
    stop = a.steps if not (a.time or a.time_generate) and "--steps" in sys.argv else 0
    if a.small or a.write_fixture:
        a.layers, a.embd, a.block, a.iters, a.warmup, a.eval_iters = 2, 64, 32, 100, 30, 5
    torch.set_num_threads(a.threads)
    text = load_text(a.root)
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    n = int(len(data) * 0.9)
    train, val = data[:n], data[n:]
    model = GPT(len(vocab), a.block, a.layers, a.heads, a.embd)
    if a.init:
        init, _ = read(a.init)
        init = {k: v.float() for k, v in init.items()}
        init["lm_head.weight"] = init["transformer.wte.weight"]
        missing, unexpected = model.load_state_dict(init, strict=False)
        if [m for m in missing if not m.endswith("attn.bias")] or unexpected:
            sys.exit(f"{a.init}: missing {missing}, unexpected {unexpected}")
    g = KilnGenerator(a.seed)
    opt = configure(model, a.lr, 0.1)

    if a.time or a.time_generate:
        if a.time:
            times = []
            for s in range(a.warmup_steps + a.steps):
                x, y = get_batch(train, a.batch, a.block, g)
                t0 = time.perf_counter()
                opt.zero_grad(set_to_none=True)
                loss = model(x, y)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                if s >= a.warmup_steps:
                    times.append((time.perf_counter() - t0) * 1e3)
            print(f"pytorch char-gpt training step: median {statistics.median(times):.2f} ms ({a.threads} threads)")
        if a.time_generate:
            model.eval()
            start = torch.zeros((1, 1), dtype=torch.long)
            for name, fn in (("recomputing the window (nanoGPT generate)", model.generate),
                             ("hand-written kv cache", model.generate_cached)):
                fn(start, min(8, a.tokens), generator=torch.Generator().manual_seed(0))
                t0 = time.perf_counter()
                fn(start, a.tokens, generator=torch.Generator().manual_seed(0))
                print(f"pytorch generation, {name}: {a.tokens / (time.perf_counter() - t0):.1f} tokens/s ({a.threads} threads)")
        return

    losses = []
    for it in range(a.iters + 1):
        lr = get_lr(a, it)
        for group in opt.param_groups:
            group["lr"] = lr
        if it % a.eval_interval == 0 or it == a.iters:
            model.eval()
            with torch.no_grad():
                ev = [statistics.fmean(model(*get_batch(d, a.batch, a.block, g)).item() for _ in range(a.eval_iters))
                      for d in (train, val)]
            model.train()
            print(f"step {it}: train loss {ev[0]:.4f}, val loss {ev[1]:.4f}", flush=True)
        if it == a.iters:
            break
        x, y = get_batch(train, a.batch, a.block, g)
        opt.zero_grad(set_to_none=True)
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if len(losses) == stop:
            break
    if a.losses:
        with open(a.losses, "w") as f:
            f.writelines(f"{v!r}\n" for v in losses)
    if a.write_fixture:
        os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
        with open(FIXTURE, "w") as f:
            f.writelines(f"{v!r}\n" for v in losses[:100])
        print(f"wrote {FIXTURE}")
    if a.compare:
        kiln = [float(v) for v in open(a.compare)]
        m = min(100, len(kiln), len(losses))
        diffs = [abs(kiln[i] - losses[i]) for i in range(m)]
        worst = max(range(m), key=lambda i: diffs[i])
        print(f"first {m} steps: largest |kiln - pytorch| = {diffs[worst]:.3g} at step {worst + 1}"
              f" (kiln {kiln[worst]!r}, pytorch {losses[worst]!r}); mean {statistics.fmean(diffs):.3g}")


if __name__ == "__main__":
    main()
