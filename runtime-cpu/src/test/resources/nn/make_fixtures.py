#!/usr/bin/env python3
"""PyTorch 1.13 float64 values and gradients of the classification ops and losses, for ClassificationParityTest.

Run with Debian's python3-torch from this folder: /usr/bin/python3 make_fixtures.py
Writes classification.safetensors (with the reference-rules writer of ../io/make_fixtures.py): per case
<case>.in<k> (inputs), <case>.out (the value), <case>.g (the upstream gradient, same shape as the value)
and <case>.grad<k> (d sum(out * g) / d in<k>) for each differentiable input. Inputs stay away from kinks
(clamp bounds, |d| = delta, x = 0 for leaky_relu).
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io"))
from make_fixtures import cases_to_tensors, write  # noqa: E402

torch.manual_seed(20261203)
torch.set_default_dtype(torch.float64)


def away(t, points, gap=0.05):
    """Moves values within gap of any of points away from them."""
    for p in points:
        near = (t - p).abs() < gap
        t = torch.where(near, t + 2 * gap, t)
    return t


X = torch.randn(4, 5) * 2
T = torch.tensor([2, 0, 4, 1, 3, 2])
T_IGN = torch.tensor([2, -100, 4, 1, 3, 2])
LOGITS = torch.randn(6, 5) * 1.5
W = torch.rand(5) + 0.5
PROBS = torch.softmax(torch.randn(6, 5), 1)
B_LOGITS = torch.randn(3, 4) * 2
B_TARGET = torch.rand(3, 4)
B_W = torch.rand(3, 4) + 0.5
POS_W = torch.rand(4) + 0.5
IDX = torch.tensor([[4, 0, 2], [1, 1, 3], [0, 4, 4], [2, 3, 1]])
IDX_TAKE = torch.tensor([[3, 0, 1, 2, 3], [1, 1, 0, 3, 2]])
ISEL = torch.tensor([4, 0, 0, 3, 2, 4])
SIDX = torch.tensor([[0, 3, 1, 1, 2], [3, 3, 0, 2, 1], [1, 0, 0, 2, 3]])
EMB_IDX = torch.tensor([[6, 0, 2, 2], [1, 5, 6, 3]])
REG_A = torch.randn(7) * 2
REG_B = away(torch.randn(7) * 2, [])

CASES = {
    "softmax1": ([X], lambda x: F.softmax(x, 1)),
    "softmax0": ([X], lambda x: F.softmax(x, 0)),
    "log_softmax1": ([X], lambda x: F.log_softmax(x, 1)),
    "logsumexp1": ([X], lambda x: torch.logsumexp(x, 1)),
    "logsumexp0_keep": ([X], lambda x: torch.logsumexp(x, 0, keepdim=True)),
    "clamp": ([away(X, [-0.5, 0.7])], lambda x: x.clamp(-0.5, 0.7)),
    "var1_unbiased": ([X], lambda x: x.var(1, unbiased=True)),
    "var0_biased_keep": ([X], lambda x: x.var(0, unbiased=False, keepdim=True)),
    "std_all": ([X], lambda x: x.std()),
    "log1p": ([X.abs() * 0.3 - 0.2], lambda x: torch.log1p(x)),
    "expm1": ([X * 0.5], lambda x: torch.expm1(x)),
    "silu": ([X], lambda x: F.silu(x)),
    "erf": ([X], lambda x: torch.erf(x)),
    "log1p_small": ([X * 1e-9], lambda x: torch.log1p(x)),
    "expm1_small": ([X * 1e-9], lambda x: torch.expm1(x)),
    "gelu": ([X], lambda x: F.gelu(x)),
    "gelu_tanh": ([X], lambda x: F.gelu(x, approximate="tanh")),
    "leaky_relu": ([away(X, [0.0])], lambda x: F.leaky_relu(x, 0.1)),
    "softplus": ([X * 2], lambda x: F.softplus(x, beta=2, threshold=5)),
    "cat1": ([X, X[:, :2] * 3], lambda a, b: torch.cat([a, b], 1)),
    "gather1": ([X], lambda x: torch.gather(x, 1, IDX)),
    "take_along_dim0": ([X], lambda x: torch.take_along_dim(x, IDX_TAKE, 0)),
    "index_select1": ([X], lambda x: torch.index_select(x, 1, ISEL)),
    "scatter_add0": ([X, torch.randn(3, 5)], lambda x, src: x.scatter_add(0, SIDX, src)),
    "embedding": ([torch.randn(7, 3)], lambda w: F.embedding(EMB_IDX, w)),
    "masked_fill": ([X], lambda x: x.masked_fill(X > 0.5, -2.0)),
    "split1_last": ([X], lambda x: torch.split(x, 2, 1)[-1]),
    "chunk0_first": ([X], lambda x: torch.chunk(x, 3, 0)[0]),
    "stack0": ([X, X * 2], lambda a, b: torch.stack([a, b], 0)),
    "ce_mean": ([LOGITS], lambda x: F.cross_entropy(x, T)),
    "ce_sum_weight": ([LOGITS], lambda x: F.cross_entropy(x, T, weight=W, reduction="sum")),
    "ce_none_ignore": ([LOGITS], lambda x: F.cross_entropy(x, T_IGN, reduction="none")),
    "ce_mean_weight_ignore": ([LOGITS], lambda x: F.cross_entropy(x, T_IGN, weight=W)),
    "ce_mean_smoothing": ([LOGITS], lambda x: F.cross_entropy(x, T, label_smoothing=0.1)),
    "ce_mean_smoothing_weight_ignore": ([LOGITS], lambda x: F.cross_entropy(x, T_IGN, weight=W, label_smoothing=0.2)),
    "ce_sum_smoothing_ignore": ([LOGITS], lambda x: F.cross_entropy(x, T_IGN, reduction="sum", label_smoothing=0.3)),
    "ce_probs_mean": ([LOGITS], lambda x: F.cross_entropy(x, PROBS)),
    "ce_probs_weight_smoothing": ([LOGITS], lambda x: F.cross_entropy(x, PROBS, weight=W, label_smoothing=0.1)),
    "nll_mean_weight_ignore": ([F.log_softmax(LOGITS, 1)], lambda x: F.nll_loss(x, T_IGN, weight=W)),
    "bce_logits": ([B_LOGITS], lambda x: F.binary_cross_entropy_with_logits(x, B_TARGET)),
    "bce_logits_weights": ([B_LOGITS], lambda x: F.binary_cross_entropy_with_logits(x, B_TARGET, weight=B_W, pos_weight=POS_W,
                                                                                    reduction="sum")),
    "bce": ([torch.sigmoid(B_LOGITS)], lambda x: F.binary_cross_entropy(x, B_TARGET, weight=B_W)),
    "l1": ([away(REG_A - REG_B, [0.0]) + REG_B], lambda x: F.l1_loss(x, REG_B)),
    "huber": ([away(REG_A - REG_B, [0.7, -0.7]) + REG_B], lambda x: F.huber_loss(x, REG_B, delta=0.7, reduction="sum")),
    "smooth_l1": ([away(REG_A - REG_B, [0.6, -0.6]) + REG_B], lambda x: F.smooth_l1_loss(x, REG_B, beta=0.6)),
}
import math  # noqa: E402
ERF_X = torch.tensor([i / 64 for i in range(-448, 449)] + [1e-300, -1e-12, 5e-9, 0.0, 2.4999, 2.5, 2.5001, 5.99, 6.5])
ERF_Y = torch.tensor([math.erf(v) for v in ERF_X.tolist()])
CONSTANTS = {"ONE_HOT": F.one_hot(T, 6), "IDX": IDX, "IDX_TAKE": IDX_TAKE, "ISEL": ISEL, "SIDX": SIDX, "EMB_IDX": EMB_IDX, "ERF_X": ERF_X, "ERF_Y": ERF_Y, "T": T, "T_IGN": T_IGN, "W": W, "PROBS": PROBS, "B_TARGET": B_TARGET, "B_W": B_W, "POS_W": POS_W, "REG_B": REG_B,
             "argmax1": X.argmax(1), "argmin0": X.argmin(0), "argmax_all": X.argmax(), "X": X}


def main():
    write("classification.safetensors", cases_to_tensors(CASES, CONSTANTS), {"torch": torch.__version__})


if __name__ == "__main__":
    main()
