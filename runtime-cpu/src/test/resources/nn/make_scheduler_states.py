#!/usr/bin/env python3
"""PyTorch 1.13's scheduler state_dict()s and the param groups' initial_lr, for SchedulerStateTest. Two param groups
(SGD, lr 0.1 and 0.02, momentum 0.9); each scheduler takes 4 steps. Also: a StepLR resumed with last_epoch=4, and
a StepLR built (last_epoch=-1) after load_state_dict of the optimizer alone. Writes scheduler_states.txt, one line
per entry: "<case> <key> <values...>", "-" for a value that is not numbers (PyTorch's verbose flags, OneCycleLR's
phases and bound method), milestones as the Counter's sorted elements; "<case> group.<key> ..." per group;
"<case> closed_form_lr ..." where PyTorch has the closed form (_get_closed_form_lr), which Kiln's schedules follow:
PyTorch's step() multiplies the group's current rate instead, which differs only where that rate is not the
schedule's own (step_after_load: the loaded rate, kept at step 0).
Run with Debian's python3-torch from this folder: /usr/bin/python3 make_scheduler_states.py"""
import collections
import torch
from torch.optim import lr_scheduler as S

torch.set_default_dtype(torch.float64)


def optimizer(lrs=(0.1, 0.02)):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lrs[0]},
              {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lrs[1]}]
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def steps(opt, sched, n):
    for _ in range(n):
        for g in opt.param_groups:
            for p in g["params"]:
                p.grad = torch.ones_like(p)
        opt.step()
        sched.step()


def values(v):
    if isinstance(v, bool) or callable(v) or isinstance(v, list) and v and isinstance(v[0], dict):
        return ["-"]
    if isinstance(v, collections.Counter):
        return [str(m) for m in sorted(v.elements())]
    if isinstance(v, list):
        return [repr(x) for x in v]
    return [repr(v)]


def rows(case, opt, sched):
    out = [[case, k] + values(v) for k, v in sched.state_dict().items()]
    if hasattr(sched, "_get_closed_form_lr"):
        out.append([case, "closed_form_lr"] + [repr(x) for x in sched._get_closed_form_lr()])
    for key in ("initial_lr", "lr", "momentum"):
        out.append([case, "group." + key] + [repr(float(g[key])) for g in opt.param_groups])
    return out


CASES = {
    "step": lambda o: S.StepLR(o, 3, 0.5),
    "multistep": lambda o: S.MultiStepLR(o, [5, 2, 9, 5], 0.3),
    "exponential": lambda o: S.ExponentialLR(o, 0.9),
    "cosine": lambda o: S.CosineAnnealingLR(o, 7, 0.001),
    "linear": lambda o: S.LinearLR(o, 0.25, 1.0, 6),
    "onecycle": lambda o: S.OneCycleLR(o, 0.05, 20),
}
ROWS = []
for name, make in CASES.items():
    opt = optimizer()
    sched = make(opt)
    steps(opt, sched, 4)
    ROWS += rows(name, opt, sched)

# resuming with last_epoch: the optimizer has initial_lr from the first schedule
opt = optimizer()
steps(opt, S.StepLR(opt, 3, 0.5), 4)
ROWS += rows("step_resumed", opt, S.StepLR(opt, 3, 0.5, last_epoch=4))

# a new schedule after loading the optimizer alone: it starts again from initial_lr, not from the loaded rate
opt = optimizer()
steps(opt, S.StepLR(opt, 3, 0.5), 4)
fresh = optimizer((0.7, 0.7))
fresh.load_state_dict(opt.state_dict())
ROWS += rows("step_after_load", fresh, S.StepLR(fresh, 3, 0.5))

with open("scheduler_states.txt", "w") as f:
    for r in ROWS:
        f.write(" ".join(r) + "\n")
