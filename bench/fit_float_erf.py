"""Fits the rational function behind codegen's FloatMath.erf (the float32 erf kernels call).

erf(x)/x ~ P(t)/Q(t), t = (x/4)^2, |x| <= 4, P of degree 6 and Q of degree 6 with Q(0) = 1: linearized least squares on
the relative error, then Lawson's reweighting towards the minimax fit. Prints the coefficients and the float32 check
(max ulps against the correctly rounded erf over 600,001 points). Run with Debian's python3 (numpy).
"""
import numpy as np
from math import erf

xs = np.concatenate([np.linspace(1e-4, 4.0, 40000), np.linspace(1e-6, 0.05, 2000)])
f = np.array([erf(x) / x for x in xs])
t = xs * xs / 16.0
q_prev = np.ones_like(t)
weights = np.ones_like(t)
for it in range(180):
    a = np.zeros((len(t), 13))
    for j in range(7):
        a[:, j] = t ** j
    for j in range(6):
        a[:, 7 + j] = -f * t ** (j + 1)
    w = weights / (f * q_prev)
    sol, *_ = np.linalg.lstsq(a * w[:, None], f * w, rcond=None)
    p, q = sol[:7], np.concatenate([[1.0], sol[7:]])
    q_prev = np.polyval(q[::-1], t)
    err = np.abs(np.polyval(p[::-1], t) / q_prev - f) / f
    if it >= 30:
        weights = weights * (err / err.max()) ** 0.5 + 1e-15
        weights /= weights.max()
print("max relative error %.3e; min Q on [0, 1] %.3f" % (err.max(), np.polyval(q[::-1], np.linspace(0, 1, 10001)).min()))
print("P", [repr(float(v)) for v in p])
print("Q", [repr(float(v)) for v in q])


def erff(x):
    a = min(abs(float(x)), 4.0)
    s = a * a / 16.0
    num = np.polyval(p[::-1], s)
    den = np.polyval(q[::-1], s)
    return np.float32(np.copysign(a * num / den, x))


x32 = np.linspace(-4.2, 4.2, 600001).astype(np.float32)
got = np.array([erff(v) for v in x32], dtype=np.float32)
ref = np.array([erf(float(v)) for v in x32]).astype(np.float32)
ulps = np.abs(got.view(np.int32).astype(np.int64) - ref.view(np.int32).astype(np.int64))
print("float32: max %d ulps, %.2f%% of points off by one" % (ulps.max(), 100 * (ulps > 0).mean()))
