#!/usr/bin/env python3
"""PyTorch 1.13 float64 values and gradients of ops over several dimensions, for MultiDimParityTest:
var/std/sum/mean over lists of dims, and cross-entropy / NLL over [N, C, d1, ..., dk] (per-pixel classes).

Run with Debian's python3-torch from this folder: /usr/bin/python3 make_multidim_fixtures.py
Writes multidim.safetensors in the layout of make_fixtures.py: <case>.in<k>, <case>.out, <case>.g (the
upstream gradient) and <case>.grad<k> (d sum(out * g) / d in<k>); constants as const.<name>.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io"))
from make_fixtures import cases_to_tensors, write  # noqa: E402

torch.manual_seed(20261224)
torch.set_default_dtype(torch.float64)

X3 = torch.randn(3, 4, 5) * 2
S = torch.tensor(1.7)
# per-pixel classification: 4 classes over a 3 x 2 image, a batch of 2; and a 1-d and a 3-d variant
IMG = torch.randn(2, 4, 3, 2) * 1.5
T_IMG = torch.randint(0, 4, (2, 3, 2))
T_IMG_IGN = T_IMG.clone()
T_IMG_IGN[0, 1, 0] = -100
T_IMG_IGN[1, 2, 1] = -100
T_IMG_IGN3 = T_IMG.clone()
T_IMG_IGN3[1, 0, 1] = 3  # the custom ignore index below: one target of class 3 is skipped
W4 = torch.rand(4) + 0.5
P_IMG = torch.softmax(torch.randn(2, 4, 3, 2), 1)
SEQ = torch.randn(3, 5, 7)  # [N, C, length]
T_SEQ = torch.randint(0, 5, (3, 7))
VOL = torch.randn(2, 3, 2, 3, 2)
T_VOL = torch.randint(0, 3, (2, 2, 3, 2))
EMB_PAD_IDX = torch.tensor([[2, 0, 5], [2, 2, 1]])

CASES = {
    "var_02_unbiased": ([X3], lambda x: x.var([0, 2], unbiased=True)),
    "var_neg_keep_biased": ([X3], lambda x: x.var([-1, 0], unbiased=False, keepdim=True)),
    "var_empty_is_all": ([X3], lambda x: x.var([], unbiased=True)),
    "var_correction2": ([X3], lambda x: torch.var(x, [0, 1], correction=2)),
    "std_12": ([X3], lambda x: x.std([1, 2], unbiased=True)),
    "std_correction0_keep": ([X3], lambda x: torch.std(x, [2, 0], correction=0, keepdim=True)),
    "sum_empty_is_all": ([X3], lambda x: x.sum([])),
    "sum_neg_keep": ([X3], lambda x: x.sum([-1, -3], keepdim=True)),
    "mean_empty_keep": ([X3], lambda x: x.mean([], keepdim=True)),
    "mean_02": ([X3], lambda x: x.mean([2, 0])),
    "sum_scalar_dim0": ([S], lambda x: x.sum([0])),
    "ce_img_mean": ([IMG], lambda x: F.cross_entropy(x, T_IMG)),
    "ce_img_none_ignore": ([IMG], lambda x: F.cross_entropy(x, T_IMG_IGN, reduction="none")),
    "ce_img_sum_weight": ([IMG], lambda x: F.cross_entropy(x, T_IMG, weight=W4, reduction="sum")),
    "ce_img_mean_weight_ignore": ([IMG], lambda x: F.cross_entropy(x, T_IMG_IGN, weight=W4)),
    "ce_img_mean_weight_ignore3": ([IMG], lambda x: F.cross_entropy(x, T_IMG_IGN3, weight=W4, ignore_index=3)),
    "ce_img_mean_smoothing_weight_ignore": ([IMG], lambda x: F.cross_entropy(x, T_IMG_IGN, weight=W4, label_smoothing=0.2)),
    "ce_img_none_smoothing_weight_ignore": ([IMG], lambda x: F.cross_entropy(x, T_IMG_IGN, weight=W4, label_smoothing=0.2,
                                                                             reduction="none")),
    "ce_img_sum_smoothing_ignore": ([IMG], lambda x: F.cross_entropy(x, T_IMG_IGN, label_smoothing=0.3, reduction="sum")),
    "ce_img_probs_mean": ([IMG], lambda x: F.cross_entropy(x, P_IMG)),
    "ce_img_probs_none_weight_smoothing": ([IMG], lambda x: F.cross_entropy(x, P_IMG, weight=W4, label_smoothing=0.1,
                                                                            reduction="none")),
    "ce_img_probs_sum_weight": ([IMG], lambda x: F.cross_entropy(x, P_IMG, weight=W4, reduction="sum")),
    "ce_seq_mean": ([SEQ], lambda x: F.cross_entropy(x, T_SEQ)),
    "ce_vol_mean_smoothing": ([VOL], lambda x: F.cross_entropy(x, T_VOL, label_smoothing=0.1)),
    "nll_img_mean_weight_ignore": ([F.log_softmax(IMG, 1)], lambda x: F.nll_loss(x, T_IMG_IGN, weight=W4)),
    "nll_img_none": ([F.log_softmax(IMG, 1)], lambda x: F.nll_loss(x, T_IMG_IGN, reduction="none")),
    "nll_img_sum_weight": ([F.log_softmax(IMG, 1)], lambda x: F.nll_loss(x, T_IMG, weight=W4, reduction="sum")),
    "embedding_padding": ([torch.randn(6, 3)], lambda w: F.embedding(EMB_PAD_IDX, w, padding_idx=2)),
}
CONSTANTS = {"T_IMG": T_IMG, "T_IMG_IGN": T_IMG_IGN, "T_IMG_IGN3": T_IMG_IGN3, "W4": W4, "P_IMG": P_IMG, "T_SEQ": T_SEQ,
             "T_VOL": T_VOL, "EMB_PAD_IDX": EMB_PAD_IDX}


def main():
    write("multidim.safetensors", cases_to_tensors(CASES, CONSTANTS), {"torch": torch.__version__})


if __name__ == "__main__":
    main()
