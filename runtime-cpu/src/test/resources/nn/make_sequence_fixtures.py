#!/usr/bin/env python3
"""PyTorch 1.13 float64 values and gradients of the sequence ops and modules, for SequenceParityTest.

Run with Debian's python3-torch from this folder: /usr/bin/python3 make_sequence_fixtures.py
Writes sequence.safetensors. Functions of differentiable inputs use make_fixtures.py's layout (<case>.in<k>, .out,
.g, .grad<k>); their masks and sort indices are const.<case>.*. Modules (nn.MultiheadAttention, nn.LSTM, nn.GRU
and the cells) are const.<case>.state.<name> (the state dict), .in<k> (inputs), .mask<k>, .out (every output
flattened and concatenated), .g, .grad_in<k> and .grad.<name> (parameter gradients of sum(out * g)).
PyTorch 1.13 has no scaled_dot_product_attention: its reference is the explicit masked-softmax path.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io"))
from make_fixtures import cases_to_tensors, write  # noqa: E402

torch.manual_seed(20261206)
torch.set_default_dtype(torch.float64)


def r(*shape):
    return torch.randn(*shape)


def sdpa(q, k, v, mask=None, causal=False, scale=None):
    """What nanoGPT writes without flash attention: masked softmax(q kᵀ · scale) v."""
    s = q @ k.transpose(-2, -1) * (scale if scale is not None else 1 / math.sqrt(q.size(-1)))
    if causal:
        s = s.masked_fill(~torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).tril(), float("-inf"))
    elif mask is not None and mask.dtype == torch.bool:
        s = s.masked_fill(~mask, float("-inf"))
    elif mask is not None:
        s = s + mask
    return torch.softmax(s, -1) @ v


KEEP = torch.rand(5, 7) > 0.4
KEEP[:, 0] = True
FLOAT_MASK = r(1, 5, 7)

CASES = {
    "tril": ([r(3, 4, 5)], lambda x: torch.tril(x, 1)),
    "tril_neg": ([r(5, 3)], lambda x: torch.tril(x, -2)),
    "triu": ([r(2, 4, 6)], lambda x: torch.triu(x, -1)),
    "triu_pos": ([r(4, 4)], lambda x: torch.triu(x, 2)),
    "sort_desc_dim0": ([r(6, 3)], lambda x: torch.sort(x, stable=True, dim=0, descending=True).values),
    "sort_asc": ([r(2, 3, 9)], lambda x: torch.sort(x, stable=True, dim=-1).values),
    "topk_largest": ([r(4, 9)], lambda x: torch.topk(x, 3, 1).values),
    "topk_smallest_dim0": ([r(7, 2, 3)], lambda x: torch.topk(x, 4, 0, largest=False).values),
    "sdpa_plain": ([r(2, 5, 4), r(2, 7, 4), r(2, 7, 3)], lambda q, k, v: sdpa(q, k, v)),
    "sdpa_causal": ([r(2, 3, 5, 4), r(2, 3, 5, 4), r(2, 3, 5, 6)], lambda q, k, v: sdpa(q, k, v, causal=True)),
    "sdpa_bool_mask": ([r(3, 5, 4), r(3, 7, 4), r(3, 7, 2)], lambda q, k, v: sdpa(q, k, v, KEEP)),
    "sdpa_float_mask_scale": ([r(2, 5, 4), r(2, 7, 4), r(2, 7, 3)], lambda q, k, v: sdpa(q, k, v, FLOAT_MASK, scale=0.3)),
}

CONSTANTS = {"sdpa_bool_mask.mask": KEEP, "sdpa_float_mask_scale.mask": FLOAT_MASK}


def indices(out):
    """The int64 indices of the sort and topk cases, from the cases' own inputs."""
    out["const.sort_desc_dim0.indices"] = torch.sort(out["sort_desc_dim0.in0"], stable=True, dim=0, descending=True).indices
    out["const.sort_asc.indices"] = torch.sort(out["sort_asc.in0"], stable=True, dim=-1).indices
    out["const.topk_largest.indices"] = torch.topk(out["topk_largest.in0"], 3, 1).indices
    out["const.topk_smallest_dim0.indices"] = torch.topk(out["topk_smallest_dim0.in0"], 4, 0, largest=False).indices


def module_case(out, name, module, inputs, masks, fn):
    """A module's state dict, inputs, masks, flattened outputs and the gradients of sum(out * g)."""
    for k, v in module.state_dict().items():
        out[f"const.{name}.state.{k}"] = v.clone()
    ins = [t.clone().requires_grad_(True) for t in inputs]
    y = torch.cat([o.reshape(-1) for o in fn(module, *ins, *masks)])
    g = torch.randn(y.shape)
    (y * g).sum().backward()
    for i, t in enumerate(ins):
        out[f"const.{name}.in{i}"] = t.detach()
        out[f"const.{name}.grad_in{i}"] = t.grad
    for i, m in enumerate(masks):
        out[f"const.{name}.mask{i}"] = m
    out[f"const.{name}.out"] = y.detach()
    out[f"const.{name}.g"] = g
    for k, p in module.named_parameters():
        out[f"const.{name}.grad.{k}"] = p.grad


def modules(out):
    nn = torch.nn
    causal = torch.ones(5, 5, dtype=torch.bool).triu(1)
    padding = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
    module_case(out, "mha_self_batch_first", nn.MultiheadAttention(8, 2, batch_first=True), [r(2, 5, 8)], [causal, padding],
                lambda m, x, a, p: m(x, x, x, key_padding_mask=p, attn_mask=a))
    module_case(out, "mha_cross_float_mask", nn.MultiheadAttention(6, 3), [r(4, 2, 6), r(7, 2, 6), r(7, 2, 6)], [r(6, 4, 7)],
                lambda m, q, k, v, a: m(q, k, v, attn_mask=a, average_attn_weights=False))
    module_case(out, "mha_unbatched_no_bias", nn.MultiheadAttention(4, 1, bias=False), [r(3, 4), r(5, 4), r(5, 4)],
                [torch.tensor([False, True, False, False, True])],
                lambda m, q, k, v, p: m(q, k, v, key_padding_mask=p)[:1])
    module_case(out, "lstm_2layer_bi_batch_first", nn.LSTM(5, 4, num_layers=2, bidirectional=True, batch_first=True),
                [r(3, 6, 5), r(4, 3, 4), r(4, 3, 4)], [], lambda m, x, h, c: (lambda o: (o[0], o[1][0], o[1][1]))(m(x, (h, c))))
    module_case(out, "lstm_unbatched_no_bias", nn.LSTM(3, 5, bias=False), [r(7, 3)], [],
                lambda m, x: (lambda o: (o[0], o[1][0], o[1][1]))(m(x)))
    module_case(out, "gru_2layer_bi", nn.GRU(4, 3, num_layers=2, bidirectional=True), [r(5, 2, 4), r(4, 2, 3)], [],
                lambda m, x, h: m(x, h))
    module_case(out, "gru_batch_first", nn.GRU(3, 6, batch_first=True), [r(2, 4, 3)], [], lambda m, x: m(x))
    module_case(out, "lstm_cell", nn.LSTMCell(4, 5), [r(3, 4), r(3, 5), r(3, 5)], [], lambda m, x, h, c: m(x, (h, c)))
    module_case(out, "gru_cell_no_bias", nn.GRUCell(4, 5, bias=False), [r(3, 4), r(3, 5)], [], lambda m, x, h: (m(x, h),))
    lstm = nn.LSTM(3, 4, num_layers=3, dropout=0.3)
    lstm.eval()
    module_case(out, "lstm_dropout_eval", lstm, [r(4, 2, 3)], [], lambda m, x: (m(x)[0],))


def main():
    out = cases_to_tensors(CASES, {})
    for k, v in CONSTANTS.items():
        out["const." + k] = v
    indices(out)
    modules(out)
    write("sequence.safetensors", out, {"torch": torch.__version__})


if __name__ == "__main__":
    main()
