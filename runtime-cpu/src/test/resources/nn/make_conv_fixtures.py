#!/usr/bin/env python3
"""PyTorch 1.13 float64 values and gradients of convolution, pooling, padding and normalization, for ConvParityTest.

Run with Debian's python3-torch from this folder: /usr/bin/python3 make_conv_fixtures.py
Writes conv.safetensors in the layout of make_fixtures.py (<case>.in<k>, .out, .g, .grad<k>) at awkward sizes:
odd spatial sizes, stride larger than the kernel, dilation, groups, padding beyond the kernel's reach.
Batch norm's running statistics after a training call are const.<case>.running_mean/var; the max-pooling
indices const.<case>.indices; BatchNorm2d(momentum=None) over two calls const.bn_cumulative.*.
"""
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


RM = torch.randn(3) * 0.5
RV = torch.rand(3) + 0.5
RM4 = torch.randn(4) * 0.5
RV4 = torch.rand(4) + 0.5

CASES = {
    "conv2d_bias": ([r(2, 3, 7, 9), r(4, 3, 3, 3), r(4)], lambda x, w, b: F.conv2d(x, w, b)),
    "conv2d_groups_stride_pad_dil": ([r(2, 4, 11, 10), r(6, 2, 3, 2)],
                                     lambda x, w: F.conv2d(x, w, None, stride=(3, 2), padding=(4, 1), dilation=(2, 3), groups=2)),
    "conv2d_stride_gt_kernel": ([r(1, 2, 13, 13), r(3, 2, 2, 2), r(3)], lambda x, w, b: F.conv2d(x, w, b, stride=3)),
    "conv2d_pad_beyond_reach": ([r(1, 2, 5, 4), r(3, 2, 2, 2), r(3)], lambda x, w, b: F.conv2d(x, w, b, stride=(2, 3), padding=3)),
    "conv_transpose2d_depthwise": ([r(2, 3, 4, 5), r(3, 1, 3, 3)], lambda x, w: F.conv_transpose2d(x, w, None, padding=2, groups=3)),
    "conv2d_depthwise": ([r(2, 4, 9, 8), r(4, 1, 3, 3), r(4)], lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=4)),
    "conv2d_same_dil": ([r(1, 3, 8, 7), r(2, 3, 4, 3)], lambda x, w: F.conv2d(x, w, padding="same", dilation=(1, 2))),
    "conv2d_valid_unbatched": ([r(3, 6, 5), r(2, 3, 2, 3)], lambda x, w: F.conv2d(x, w, padding="valid")),
    "conv1d": ([r(2, 3, 11), r(5, 3, 3), r(5)], lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=2, dilation=2)),
    "conv1d_same_groups": ([r(2, 4, 10), r(6, 2, 4)], lambda x, w: F.conv1d(x, w, padding="same", groups=2)),
    "conv_transpose2d": ([r(2, 4, 5, 6), r(4, 3, 3, 3), r(3)],
                         lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)),
    "conv_transpose2d_groups_dil": ([r(1, 4, 4, 5), r(4, 1, 3, 2)],
                                    lambda x, w: F.conv_transpose2d(x, w, None, stride=(3, 2), padding=(0, 1),
                                                                    output_padding=(2, 1), groups=2, dilation=(1, 2))),
    "unfold": ([r(2, 3, 7, 8)], lambda x: F.unfold(x, (3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 3))),
    "fold": ([r(2, 3 * 6, 16)], lambda c: F.fold(c, (7, 8), (2, 3), dilation=(2, 1), padding=(1, 2), stride=(2, 3))),
    "pad_constant": ([r(2, 3, 4, 5)], lambda x: F.pad(x, (1, 2, 3, 0), value=0.5)),
    "pad_constant_crop": ([r(2, 3, 4, 5)], lambda x: F.pad(x, (-1, 2, 0, 1))),
    "pad_reflect": ([r(2, 3, 5, 6)], lambda x: F.pad(x, (2, 3, 4, 1), mode="reflect")),
    "pad_replicate": ([r(2, 3, 5, 6)], lambda x: F.pad(x, (3, 0, 1, 5), mode="replicate")),
    "pad_circular": ([r(2, 3, 5, 6)], lambda x: F.pad(x, (2, 1, 3, 0), mode="circular")),
    "max_pool2d": ([r(2, 3, 9, 11)], lambda x: F.max_pool2d(x, 3, stride=2, padding=1)),
    "max_pool2d_ceil_dil": ([r(2, 3, 10, 11)], lambda x: F.max_pool2d(x, (3, 2), stride=(2, 3), padding=1, dilation=(2, 1),
                                                                       ceil_mode=True)),
    "max_pool2d_stride_gt_kernel": ([r(1, 2, 11, 13)], lambda x: F.max_pool2d(x, 2, stride=3)),
    "avg_pool2d_include_pad": ([r(2, 3, 9, 10)], lambda x: F.avg_pool2d(x, 3, stride=2, padding=1)),
    "avg_pool2d_ceil_exclude_pad": ([r(2, 3, 9, 10)], lambda x: F.avg_pool2d(x, (3, 2), stride=(2, 3), padding=1, ceil_mode=True,
                                                                            count_include_pad=False)),
    "avg_pool2d_ceil_include_pad": ([r(1, 2, 8, 7)], lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)),
    "adaptive_avg_pool2d": ([r(2, 3, 9, 7)], lambda x: F.adaptive_avg_pool2d(x, (4, 3))),
    "adaptive_avg_pool2d_up": ([r(1, 2, 5, 3)], lambda x: F.adaptive_avg_pool2d(x, (7, 3))),
    "batch_norm_train": ([r(5, 3, 4, 3) * 2 + 1, r(3), r(3)],
                         lambda x, w, b: F.batch_norm(x, RM.clone(), RV.clone(), w, b, training=True, momentum=0.1, eps=1e-5)),
    "batch_norm_eval": ([r(5, 3, 4, 3), r(3), r(3)],
                        lambda x, w, b: F.batch_norm(x, RM, RV, w, b, training=False, eps=1e-3)),
    "batch_norm1d_train_no_affine": ([r(6, 4) * 3],
                                     lambda x: F.batch_norm(x, RM4.clone(), RV4.clone(), training=True, momentum=0.3, eps=1e-5)),
    "batch_norm3d_train_no_stats": ([r(2, 3, 5)], lambda x: F.batch_norm(x, None, None, training=True)),
    "layer_norm": ([r(3, 4, 5), r(4, 5), r(4, 5)], lambda x, w, b: F.layer_norm(x, (4, 5), w, b, eps=1e-5)),
    "layer_norm_plain": ([r(2, 3, 7)], lambda x: F.layer_norm(x, (7,))),
    "group_norm": ([r(2, 6, 3, 5), r(6), r(6)], lambda x, w, b: F.group_norm(x, 3, w, b, eps=1e-5)),
}

CONSTANTS = {"RM": RM, "RV": RV, "RM4": RM4, "RV4": RV4}


def running_stats(out):
    """Running statistics after the training-mode calls, from the cases' own inputs."""
    x = out["batch_norm_train.in0"]
    rm, rv = RM.clone(), RV.clone()
    F.batch_norm(x, rm, rv, training=True, momentum=0.1, eps=1e-5)
    out["const.batch_norm_train.running_mean"], out["const.batch_norm_train.running_var"] = rm, rv
    x = out["batch_norm1d_train_no_affine.in0"]
    rm, rv = RM4.clone(), RV4.clone()
    F.batch_norm(x, rm, rv, training=True, momentum=0.3, eps=1e-5)
    out["const.batch_norm1d_train_no_affine.running_mean"], out["const.batch_norm1d_train_no_affine.running_var"] = rm, rv
    for name in ["max_pool2d", "max_pool2d_ceil_dil", "max_pool2d_stride_gt_kernel"]:
        x = out[name + ".in0"]
        args = {"max_pool2d": (3, 2, 1, 1, False), "max_pool2d_ceil_dil": ((3, 2), (2, 3), 1, (2, 1), True),
                "max_pool2d_stride_gt_kernel": (2, 3, 0, 1, False)}[name]
        _, idx = F.max_pool2d(x, args[0], stride=args[1], padding=args[2], dilation=args[3], ceil_mode=args[4], return_indices=True)
        out["const." + name + ".indices"] = idx


def cumulative(out):
    """BatchNorm2d(momentum=None): two training calls, then an eval call; weights and stats after."""
    bn = torch.nn.BatchNorm2d(3, momentum=None)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(3) + 0.5)
        bn.bias.copy_(torch.randn(3))
    out["const.bn_cumulative.weight"] = bn.weight.detach().clone()
    out["const.bn_cumulative.bias"] = bn.bias.detach().clone()
    xs = [r(4, 3, 3, 5), r(2, 3, 4, 3) * 2 - 1, r(3, 3, 2, 2)]
    for i, x in enumerate(xs):
        out[f"const.bn_cumulative.x{i}"] = x
    bn(xs[0])
    bn(xs[1])
    bn.eval()
    out["const.bn_cumulative.eval_out"] = bn(xs[2]).detach()
    for k, v in bn.state_dict().items():
        out["const.bn_cumulative.state." + k] = v.clone()


def network(out):
    """A small PyTorch CNN's state_dict after two training calls, an input and its eval-mode output (Module.loadStateDict's names)."""
    net = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, stride=2, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 4, 1, groups=2, bias=False), torch.nn.GroupNorm(2, 4),
                              torch.nn.Flatten(), torch.nn.LayerNorm(16), torch.nn.Linear(16, 3))
    with torch.no_grad():
        net(r(5, 2, 9, 9))
        net(r(5, 2, 9, 9))
    net.eval()
    x = r(2, 2, 9, 9)
    out["const.net.x"] = x
    out["const.net.out"] = net(x).detach()
    for k, v in net.state_dict().items():
        out["const.net.state." + k] = v.clone()


def main():
    out = cases_to_tensors(CASES, CONSTANTS)
    running_stats(out)
    cumulative(out)
    network(out)
    write("conv.safetensors", out, {"torch": torch.__version__})


if __name__ == "__main__":
    main()
