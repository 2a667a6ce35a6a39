#!/usr/bin/env python3
"""PyTorch 1.13's values and gradients on inputs holding NaN, +Inf and -Inf, for NanInfSemanticsTest.

Run with Debian's python3-torch from this folder: /usr/bin/python3 make_fixtures.py
Writes nan_inf.safetensors (with the reference-rules writer of ../io/make_fixtures.py):
  in.<NAME>                  the inputs (float64; every value is exact in float32 too)
  <case>.out, <case>.grad<k> float64 value and d sum(out * g) / d input k
  f32.<case>.out, ...        the same case run in float32
The upstream gradient g is not stored: g[i] = 1 + (i % 7) / 8 over the value's elements in row-major
order (exact in both dtypes), which the test computes the same way. Cases without gradients (argmax)
store only the value. Rows are 21 wide, so a kernel has a vector part and a tail, and one row (under 64
elements) runs on the interpreter.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io"))
from make_fixtures import write  # noqa: E402

NAN, INF = math.nan, math.inf
W = 21
gen = torch.Generator().manual_seed(20261224)


def base(rows, scale=2.0):
    """Random values rounded to float32, so both dtypes start from the same numbers."""
    return (torch.randn(rows, W, generator=gen, dtype=torch.float64) * scale).float().double()


def place(t, spots):
    for (r, c), v in spots.items():
        t[r, c] = v
    return t


# elementwise inputs: NaN, ±Inf, zeros, clamp bounds, values where float32 exp overflows
X = place(base(4), {(0, 0): NAN, (0, 17): NAN, (0, 20): NAN, (0, 3): 0.0, (0, 4): -1.0, (0, 5): 0.5,
                    (1, 2): INF, (1, 18): INF, (1, 6): -INF, (1, 20): -INF, (1, 9): 1.0,
                    (2, 1): 0.0, (2, 8): 100.0, (2, 9): -100.0, (2, 10): 30.0, (2, 11): -30.0, (2, 19): 1e-3,
                    (3, 16): NAN, (3, 19): INF, (3, 7): -INF, (3, 12): 0.0, (3, 13): 25.0, (3, 14): -0.5})
# a second operand: NaN against NaN, a number or ±Inf; equal infinities; finite ties
Y = base(4)
Y = place(Y, {(0, 0): NAN, (0, 17): 1.0, (0, 1): NAN, (0, 2): INF, (0, 3): -INF,
              (1, 2): INF, (1, 18): -INF, (1, 6): -INF, (1, 20): INF, (1, 7): NAN,
              (2, 3): X[2, 3].item(), (2, 4): X[2, 4].item(), (2, 1): 0.0,
              (3, 16): -INF, (3, 19): NAN, (3, 7): NAN})
# reductions, one row per situation
R = base(8)
R[0, 6] = R[0, 13] = R[0].max() + 1  # a tied maximum
R[0, 2] = R[0, 15] = R[0].min() - 1  # a tied minimum
R = place(R, {(1, 4): NAN, (1, 20): NAN,
              (2, 11): INF,
              (3, 0): -INF, (3, 16): -INF,
              (5, 3): NAN, (5, 7): INF, (5, 19): -INF,
              (6, 5): INF, (6, 17): INF,
              (7, 1): -INF, (7, 18): INF})
R[4] = -INF
R_NO_NAN = R[[0, 2, 3, 6, 7]].clone()
# classification: logits [6, 5] with a NaN, masked (-Inf) classes, -Inf at the target, +Inf, and an ignored NaN row
LOGITS = (torch.randn(7, 5, generator=gen, dtype=torch.float64) * 1.5).float().double()
LOGITS = place(LOGITS, {(1, 3): NAN, (2, 0): -INF, (2, 4): -INF, (3, 2): -INF, (4, 1): INF, (5, 0): INF, (6, 1): NAN})
T = torch.tensor([1, 0, 3, 2, 3, 0, 4])
T_IGN = torch.tensor([1, 0, 3, 2, 3, 0, -100])
LOGP = F.log_softmax(LOGITS.nan_to_num(0.0, 0.0, 0.0), 1)
LOGP = place(LOGP, {(1, 0): -INF, (2, 2): NAN, (3, 1): -INF, (6, 4): NAN, (6, 0): NAN})
# an ignored row holding NaN (a padding position whose logits are NaN) beside rows whose loss is finite
LOGITS_IGN = LOGITS[[0, 2, 6]].clone()
LOGP_IGN = LOGP[[0, 2, 6]].clone()
T_IGN3 = torch.tensor([1, 3, -100])
# binary: targets in [0, 1]; probabilities with exact 0 and 1
T01 = place(torch.rand(4, W, generator=gen, dtype=torch.float64).float().double(),
            {(0, 0): 1.0, (1, 2): 1.0, (1, 6): 0.0, (2, 8): 1.0, (2, 9): 0.0, (3, 19): 0.0, (3, 7): 1.0})
POS_W = (torch.rand(W, generator=gen, dtype=torch.float64) + 0.5).float().double()
P01 = place(torch.rand(4, W, generator=gen, dtype=torch.float64).float().double(),
            {(0, 0): 0.0, (0, 1): 1.0, (1, 2): 1.0, (1, 6): 0.0, (2, 8): 1.0, (2, 9): 0.0, (3, 3): 1e-30})

INPUTS = {"X": X, "Y": Y, "R": R, "R_NO_NAN": R_NO_NAN, "LOGITS": LOGITS, "LOGP": LOGP, "T01": T01, "POS_W": POS_W,
          "P01": P01, "LOGITS_IGN": LOGITS_IGN, "LOGP_IGN": LOGP_IGN}
INPUTS = {k: v.float().double() for k, v in INPUTS.items()}  # 1e-3 and 1e-30 exact in float32 too
INDEX = {"T": T, "T_IGN": T_IGN, "T_IGN3": T_IGN3}


def ce(x, t, **kw):
    return F.cross_entropy(x, INDEX[t], **kw)


# name -> (differentiable inputs, function of them and of the constants C)
CASES = {
    # activations and elementwise functions
    "relu": (["X"], lambda x, c: F.relu(x)),
    "leaky_relu": (["X"], lambda x, c: F.leaky_relu(x, 0.1)),
    "gelu": (["X"], lambda x, c: F.gelu(x)),
    "gelu_tanh": (["X"], lambda x, c: F.gelu(x, approximate="tanh")),
    "silu": (["X"], lambda x, c: F.silu(x)),
    "softplus": (["X"], lambda x, c: F.softplus(x)),
    "softplus_beta": (["X"], lambda x, c: F.softplus(x, beta=2, threshold=5)),
    "sigmoid": (["X"], lambda x, c: torch.sigmoid(x)),
    "tanh": (["X"], lambda x, c: torch.tanh(x)),
    "abs": (["X"], lambda x, c: torch.abs(x)),
    "neg": (["X"], lambda x, c: torch.neg(x)),
    "exp": (["X"], lambda x, c: torch.exp(x)),
    "log": (["X"], lambda x, c: torch.log(x)),
    "sqrt": (["X"], lambda x, c: torch.sqrt(x)),
    "log1p": (["X"], lambda x, c: torch.log1p(x)),
    "expm1": (["X"], lambda x, c: torch.expm1(x)),
    "erf": (["X"], lambda x, c: torch.erf(x)),
    "sin": (["X"], lambda x, c: torch.sin(x)),
    "pow2": (["X"], lambda x, c: x.pow(2)),
    "pow3": (["X"], lambda x, c: x.pow(3)),
    "clamp": (["X"], lambda x, c: x.clamp(-1.0, 0.5)),
    "clamp_min": (["X"], lambda x, c: x.clamp_min(-1.0)),
    "clamp_max": (["X"], lambda x, c: x.clamp_max(0.5)),
    "add": (["X", "Y"], lambda x, y, c: x + y),
    "mul": (["X", "Y"], lambda x, y, c: x * y),
    "div": (["X", "Y"], lambda x, y, c: x / y),
    "maximum": (["X", "Y"], lambda x, y, c: torch.maximum(x, y)),
    "minimum": (["X", "Y"], lambda x, y, c: torch.minimum(x, y)),
    "where": (["X", "Y"], lambda x, y, c: torch.where(c["X"] > 0, x, y)),
    "masked_fill": (["X"], lambda x, c: x.masked_fill(c["Y"] > 0, -2.0)),
    # reductions
    "amax1": (["R"], lambda r, c: r.amax(1)),
    "amax0": (["R"], lambda r, c: r.amax(0)),
    "amin1": (["R"], lambda r, c: r.amin(1)),
    "amin0_keep": (["R"], lambda r, c: r.amin(0, keepdim=True)),
    "max_all": (["R"], lambda r, c: r.max()),
    "min_all": (["R"], lambda r, c: r.min()),
    "max_all_no_nan": (["R_NO_NAN"], lambda r, c: r.max()),
    "min_all_no_nan": (["R_NO_NAN"], lambda r, c: r.min()),
    "amax_all_no_nan": (["R_NO_NAN"], lambda r, c: r.amax((0, 1))),
    "sum1": (["R"], lambda r, c: r.sum(1)),
    "mean1": (["R"], lambda r, c: r.mean(1)),
    "var1": (["R"], lambda r, c: r.var(1)),
    "softmax1": (["R"], lambda r, c: F.softmax(r, 1)),
    "softmax0": (["R"], lambda r, c: F.softmax(r, 0)),
    "log_softmax1": (["R"], lambda r, c: F.log_softmax(r, 1)),
    "logsumexp1": (["R"], lambda r, c: torch.logsumexp(r, 1)),
    "logsumexp0": (["R"], lambda r, c: torch.logsumexp(r, 0)),
    "argmax1": ([], lambda c: c["R"].argmax(1)),
    "argmin1": ([], lambda c: c["R"].argmin(1)),
    "argmax0": ([], lambda c: c["R"].argmax(0)),
    "argmin0": ([], lambda c: c["R"].argmin(0)),
    "argmax_all": ([], lambda c: c["R"].argmax()),
    "argmax_all_no_nan": ([], lambda c: c["R_NO_NAN"].argmax()),
    "argmin_all_no_nan": ([], lambda c: c["R_NO_NAN"].argmin()),
    # losses
    "mse_none": (["X", "Y"], lambda x, y, c: F.mse_loss(x, y, reduction="none")),
    "mse_mean": (["X"], lambda x, c: F.mse_loss(x, c["T01"])),
    "l1_none": (["X", "Y"], lambda x, y, c: F.l1_loss(x, y, reduction="none")),
    "huber_none": (["X", "Y"], lambda x, y, c: F.huber_loss(x, y, reduction="none", delta=1.0)),
    "smooth_l1_none": (["X", "Y"], lambda x, y, c: F.smooth_l1_loss(x, y, reduction="none", beta=0.5)),
    "ce_none": (["LOGITS"], lambda x, c: ce(x, "T", reduction="none")),
    "ce_mean_ignore": (["LOGITS"], lambda x, c: ce(x, "T_IGN")),
    "ce_none_ignore": (["LOGITS"], lambda x, c: ce(x, "T_IGN", reduction="none")),
    "ce_none_smoothing": (["LOGITS"], lambda x, c: ce(x, "T", reduction="none", label_smoothing=0.1)),
    "ce_mean_ignored_nan_row": (["LOGITS_IGN"], lambda x, c: ce(x, "T_IGN3")),
    "ce_sum_ignored_nan_row_smoothing": (["LOGITS_IGN"], lambda x, c: ce(x, "T_IGN3", reduction="sum", label_smoothing=0.2)),
    "nll_none": (["LOGP"], lambda x, c: F.nll_loss(x, T, reduction="none")),
    "nll_mean_ignore": (["LOGP"], lambda x, c: F.nll_loss(x, T_IGN)),
    "nll_mean_ignored_nan_row": (["LOGP_IGN"], lambda x, c: F.nll_loss(x, T_IGN3)),
    "bce_logits_none": (["X"], lambda x, c: F.binary_cross_entropy_with_logits(x, c["T01"], reduction="none")),
    "bce_logits_pos_weight": (["X"], lambda x, c: F.binary_cross_entropy_with_logits(x, c["T01"], pos_weight=c["POS_W"],
                                                                                       reduction="none")),
    "bce_none": (["P01"], lambda p, c: F.binary_cross_entropy(p, c["T01"], reduction="none")),
}


def upstream(shape, dtype):
    n = math.prod(shape)
    return (1 + (torch.arange(n) % 7).to(dtype) / 8).reshape(shape)


def run(name, names, fn, dtype, out, prefix):
    consts = {k: v.to(dtype) for k, v in INPUTS.items()}
    ins = [consts[k].clone().requires_grad_(True) for k in names]
    y = fn(*ins, consts)
    out[f"{prefix}{name}.out"] = y.detach()
    if names:
        (y * upstream(y.shape, dtype)).sum().backward()
        for k, t in enumerate(ins):
            out[f"{prefix}{name}.grad{k}"] = t.grad


def main():
    out = {f"in.{k}": v for k, v in INPUTS.items()}
    out.update({f"in.{k}": v for k, v in INDEX.items()})
    for name, (names, fn) in CASES.items():
        run(name, names, fn, torch.float64, out, "")
        run(name, names, fn, torch.float32, out, "f32.")
    write("nan_inf.safetensors", out, {"torch": torch.__version__})


if __name__ == "__main__":
    main()
