#!/usr/bin/env python3
"""PyTorch 1.13's learning rates (and OneCycleLR's momentum) per step for each scheduler, and clip_grad_norm_ /
clip_grad_value_ on fixed gradients, for SchedulerParityTest. Writes schedules.txt: "<name> <v0> <v1> ...".
Run with Debian's python3-torch from this folder: /usr/bin/python3 make_schedules.py"""
import torch
from torch.optim import lr_scheduler as S

torch.set_default_dtype(torch.float64)


def run(name, make_opt, make_sched, steps, field="lr"):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = make_opt([p])
    sched = make_sched(opt)
    vals = []
    for _ in range(steps):
        g = opt.param_groups[0]
        vals.append(g[field] if field == "lr" else g["betas"][0] if "betas" in g else g["momentum"])
        p.grad = torch.ones(1)
        opt.step()
        sched.step()
    return name, vals


ROWS = [
    run("step", lambda ps: torch.optim.SGD(ps, lr=0.1), lambda o: S.StepLR(o, 3, 0.5), 12),
    run("multistep", lambda ps: torch.optim.SGD(ps, lr=0.1), lambda o: S.MultiStepLR(o, [2, 5, 9], 0.3), 12),
    run("exponential", lambda ps: torch.optim.Adam(ps, lr=0.01), lambda o: S.ExponentialLR(o, 0.9), 12),
    run("cosine", lambda ps: torch.optim.SGD(ps, lr=0.1), lambda o: S.CosineAnnealingLR(o, 7, 0.001), 16),
    run("linear", lambda ps: torch.optim.SGD(ps, lr=0.1), lambda o: S.LinearLR(o, 0.25, 1.0, 6), 10),
    run("onecycle_adam", lambda ps: torch.optim.Adam(ps, lr=0.01), lambda o: S.OneCycleLR(o, 0.05, 20), 20),
    run("onecycle_adam_beta1", lambda ps: torch.optim.Adam(ps, lr=0.01), lambda o: S.OneCycleLR(o, 0.05, 20), 20, "momentum"),
    run("onecycle_sgd_momentum", lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9),
        lambda o: S.OneCycleLR(o, 0.05, 20, pct_start=0.4, div_factor=10, final_div_factor=100), 20, "momentum"),
]

ps = [torch.nn.Parameter(torch.zeros(3)), torch.nn.Parameter(torch.zeros(2))]
ps[0].grad = torch.tensor([3.0, -4.0, 1.0])
ps[1].grad = torch.tensor([2.0, -0.5])
norm = torch.nn.utils.clip_grad_norm_(ps, 1.5)
ROWS.append(("clip_norm", [norm.item()] + ps[0].grad.tolist() + ps[1].grad.tolist()))
ps[0].grad = torch.tensor([3.0, -4.0, 1.0])
ps[1].grad = torch.tensor([2.0, -0.5])
norm = torch.nn.utils.clip_grad_norm_(ps, 2.0, norm_type=float("inf"))
ROWS.append(("clip_norm_inf", [norm.item()] + ps[0].grad.tolist() + ps[1].grad.tolist()))

ps[0].grad = torch.tensor([3.0, -4.0, 1.0])
ps[1].grad = torch.tensor([2.0, -0.5])
torch.nn.utils.clip_grad_value_(ps, 1.5)
ROWS.append(("clip_value", ps[0].grad.tolist() + ps[1].grad.tolist()))

with open("schedules.txt", "w") as f:
    for name, vals in ROWS:
        f.write(name + " " + " ".join(repr(float(v)) for v in vals) + "\n")
