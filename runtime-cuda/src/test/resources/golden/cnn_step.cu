CUDA plan: 51 launch(es), 41 kernel(s), 2 scratch double(s); nvcc --fmad=false
  kiln_read_f32<<<1, 1>>>(buf8, slots, 0)  // s0 = buf8[0]
  kiln_copy_f32<<<1, 256>>>(buf0, view[2,1,64][64,64,1]+0, buf9, 128)  // step 1: reshape [2, 1, 64]
  kiln_copy_i64<<<1, 256>>>(buf1, view[2,1,324][0,324,1]+0, buf10, 648)  // step 2: expand [2, 1, 324]
  kiln_gather_f32_i64<<<1, 256>>>(buf9, view[2,1,64][64,64,1]+0, buf10, view[2,1,324][324,324,1]+0, buf11, 2, 648, status, 3)  // step 3: gather axis=2
  k0<<<1, 256>>>(buf2, buf11, buf12)  // the loop of k0 over [2, 4, 36]
  k1_before<<<1, 1>>>(slots)  // the scalar prologue of k1
  k1<<<1, 256>>>(buf3, buf12, buf13, buf40)  // the loop of k1 over [2, 4, 6, 6]
  kiln_window_argmax_f32<<<1, 256>>>(buf13, buf14, 72, 6, 6, 3, 3, 2, 2, 0, 1, 2, 2, 0, 1)  // step 6: windowArgmax kernel=2x2 stride=2x2 padding=0x0 dilation=1x1 -> 3x3
  kiln_copy_f32<<<1, 256>>>(buf13, view[2,4,36][144,36,1]+0, buf15, 288)  // step 7: reshape [2, 4, 36]
  kiln_copy_i64<<<1, 256>>>(buf14, view[2,4,9][36,9,1]+0, buf16, 72)  // step 8: reshape [2, 4, 9]
  kiln_gather_f32_i64<<<1, 256>>>(buf15, view[2,4,36][144,36,1]+0, buf16, view[2,4,9][36,9,1]+0, buf17, 2, 72, status, 9)  // step 9: gather axis=2
  k2<<<1, 256>>>(buf4, buf5, buf17, buf19)  // the loop of k2 over [2, 3]
  k2_acc0<<<1, 256>>>(buf4, buf5, buf17, buf18)  // reductions of k2 over 3 element(s) into 2 output(s), one thread per output, in order
  k3<<<1, 256>>>(buf18, buf19, buf34)  // the loop of k3 over [2, 3]
  k3_acc0<<<1, 256>>>(buf18, buf19, buf20)  // reductions of k3 over 3 element(s) into 2 output(s), one thread per output, in order
  k4<<<1, 256>>>(buf18, buf20, buf27)  // the loop of k4 over [2]
  kiln_cast_i64_to_f32<<<1, 256>>>(buf6, view[2][1]+0, buf21, 2)  // step 13: cast float32
  k5_before<<<1, 1>>>(slots)  // the scalar prologue of k5
  k5<<<1, 256>>>(buf21, buf22)  // the loop of k5 over [2]
  kiln_copy_i64<<<1, 256>>>(buf7, view[2][0]+0, buf23, 2)  // step 15: expand [2]
  kiln_where_b8_i64_i64_to_i64<<<1, 256>>>(buf22, view[2][1]+0, buf6, view[2][1]+0, buf23, view[2][1]+0, buf24, 2)  // step 16: where
  kiln_copy_i64<<<1, 256>>>(buf24, view[2,1][1,1]+0, buf25, 2)  // step 17: reshape [2, 1]
  kiln_gather_f32_i64<<<1, 256>>>(buf19, view[2,3][3,1]+0, buf25, view[2,1][1,1]+0, buf26, 1, 2, status, 18)  // step 18: gather axis=1
  k6_before<<<1, 1>>>(slots)  // the scalar prologue of k6
  k6<<<1, 256>>>(buf22, buf26, buf27, buf28, slots, scratch)  // the loop of k6 over [2], 2 reduction(s) into 1 block partial(s) each
  k6_after<<<1, 1>>>(slots, scratch)  // the reductions of k6 (block partials in block order) and its scalar epilogue
  k7<<<1, 256>>>(buf22, buf28, buf29, buf32, slots)  // the loop of k7 over [2]
  kiln_copy_f32<<<1, 256>>>(buf29, view[2,1][1,1]+0, buf30, 2)  // step 21: reshape [2, 1]
  kiln_fill_f32<<<1, 256>>>(buf31, 6, 0.0)  // step 22: scatterAdd axis=1 size=3
  kiln_scatter_add_f32_i64<<<1, 256>>>(buf25, buf30, view[2,1][1,1]+0, buf31, view[2,3][3,1]+0, 1, 2, status, 22)  // step 22: scatterAdd axis=1 size=3
  k8<<<1, 256>>>(buf20, buf32, buf33)  // the loop of k8 over [2]
  k9<<<1, 256>>>(buf31, buf33, buf34, buf36)  // the loop of k9 over [2, 3]
  k9_acc0<<<1, 256>>>(buf31, buf33, buf34, buf35)  // reductions of k9 over 2 element(s) into 3 output(s), one thread per output, in order
  k10<<<1, 256>>>(buf4, buf36, buf37)  // the loop of k10 over [2, 36]
  k11<<<1, 256>>>(buf17, buf36, buf44)  // the loop of k11 over [36, 3]
  kiln_copy_f32<<<1, 256>>>(buf37, view[2,4,9][36,9,1]+0, buf38, 72)  // step 27: reshape [2, 4, 9]
  kiln_fill_f32<<<1, 256>>>(buf39, 288, 0.0)  // step 28: scatterAdd axis=2 size=36
  kiln_scatter_add_f32_i64<<<1, 256>>>(buf16, buf38, view[2,4,9][36,9,1]+0, buf39, view[2,4,36][144,36,1]+0, 2, 8, status, 28)  // step 28: scatterAdd axis=2 size=36
  k12<<<1, 256>>>(buf39, buf40, buf42)  // the loop of k12 over [2, 4, 6, 6]
  k12_acc0<<<4, 256>>>(buf39, buf40, buf41)  // reductions of k12 over 72 element(s) into 4 output(s), one block per output
  k13_before<<<1, 1>>>(slots)  // the scalar prologue of k13
  k13_acc0<<<1, 256>>>(buf11, buf42, buf43)  // reductions of k13 over 2 element(s) into 36 output(s), one thread per output, in order
  k14<<<1, 256>>>(buf2, buf43, buf46)  // the loop of k14 over [4, 3, 3]
  k15<<<1, 256>>>(buf3, buf41, buf47)  // the loop of k15 over [4]
  k16<<<1, 256>>>(buf4, buf44, buf48)  // the loop of k16 over [3, 36]
  k17<<<1, 256>>>(buf5, buf35, buf49)  // the loop of k17 over [3]
  kiln_write_f32<<<1, 1>>>(slots, 5, buf45)  // buf45[0] = s5
  k18<<<1, 256>>>(buf43, buf50)  // the loop of k18 over [4, 3, 3]
  k19<<<1, 256>>>(buf41, buf51)  // the loop of k19 over [4]
  k20<<<1, 256>>>(buf44, buf52)  // the loop of k20 over [3, 36]
  k21<<<1, 256>>>(buf35, buf53)  // the loop of k21 over [3]
// Kiln CUDA module: 22 fused loop kernel(s), 0 scalar-only kernel(s), 16 single op(s)
// nvcc options: --fmad=false
// (the device helpers of codegen/src/main/resources/dev/kiln/codegen/cuda/kiln_device.cuh)

// a one-element buffer read into a scalar slot
KILN_ENTRY void kiln_read_f32(const float* x, double* slots, int slot) {
    slots[slot] = (double) x[0];
}

// a strided view copied to a dense buffer
KILN_ENTRY void kiln_copy_f32(const float* x, KilnView v, float* out, long long n) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        out[i] = x[kiln_at(v, i)];
    }
}

// a strided view copied to a dense buffer
KILN_ENTRY void kiln_copy_i64(const long long* x, KilnView v, long long* out, long long n) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        out[i] = x[kiln_at(v, i)];
    }
}

// out[p] = x[p with p[axis] = index[p]]; an index out of range fails the run
KILN_ENTRY void kiln_gather_f32_i64(const float* x, KilnView xv, const long long* index, KilnView iv, float* out, int axis, long long n, unsigned long long* status, int tag) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const long long idx = (long long) index[i];
        if (idx < 0 || idx >= xv.shape[axis]) {
            kiln_fail(status, tag, idx);
            continue;
        }
        long long off = xv.offset, rest = i;
        for (int d = iv.rank - 1; d >= 0; d--) {
            off += (d == axis ? idx : rest % iv.shape[d]) * xv.strides[d];
            rest /= iv.shape[d];
        }
        out[i] = x[off];
    }
}

// the loop of k0 over [2, 4, 36]
KILN_ENTRY void k0(const float* b2, const float* b11, float* b12) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 288LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c2 = qi % 36;
        qi /= 36;
        [[maybe_unused]] const long long c1 = qi % 4;
        qi /= 4;
        [[maybe_unused]] const long long c0 = qi;
        double v0 = 0.0;
        {
            const long long pa = c1 * 9;
            const long long pb = c0 * 324 + c2;
            for (int q = 0; q < 9; q++) {
                v0 += (double) b2[pa + q * 1LL] * (double) b11[pb + q * 36LL];
            }
        }
        v0 = kiln_f32(v0);
        kiln_store(b12, i, v0);
    }
}

// the scalar prologue of k1
KILN_ENTRY void k1_before(double* slots) {
    {
        const double t0 = 0.0;
        slots[1] = t0;
    }
}

// the loop of k1 over [2, 4, 6, 6]
KILN_ENTRY void k1(const float* b3, const float* b12, float* b13, unsigned char* b40) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 288LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c3 = qi % 6;
        qi /= 6;
        [[maybe_unused]] const long long c2 = qi % 6;
        qi /= 6;
        [[maybe_unused]] const long long c1 = qi % 4;
        qi /= 4;
        [[maybe_unused]] const long long c0 = qi;
        const double v0 = (double) b12[i];
        const double v1 = (double) b3[c1];
        const double v2 = kiln_f32((v0 + v1));
        const double v3 = 0.0;
        const double v4 = kiln_bool(v2 <= v3);
        const double v5 = kiln_f32((v4 != 0 ? v3 : v2));
        kiln_store(b13, i, v5);
        kiln_store(b40, i, v4);
    }
}

// max pooling's positions: each window's h*W + w of its maximum by PyTorch's CPU rule (greater, or NaN, replaces)
KILN_ENTRY void kiln_window_argmax_f32(const float* x, long long* out, long long n, int h, int w, int oh, int ow, int kh, int sh, int ph, int dh, int kw, int sw, int pw, int dw) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const long long plane = i / ((long long) oh * ow);
        const int at = (int) (i % ((long long) oh * ow));
        const int hs = (at / ow) * sh - ph, ws = (at % ow) * sw - pw;
        int fr = hs, fc = ws;
        while (fr < 0) fr += dh;
        while (fc < 0) fc += dw;
        long long best = (long long) fr * w + fc;
        double max = -INFINITY;
        const float* p = x + plane * h * w;
        for (int a = 0; a < kh; a++) {
            const int r = hs + a * dh;
            if (r < 0 || r >= h) continue;
            for (int b = 0; b < kw; b++) {
                const int c = ws + b * dw;
                if (c < 0 || c >= w) continue;
                const double v = (double) p[r * w + c];
                if (v > max || v != v) {
                    max = v;
                    best = (long long) r * w + c;
                }
            }
        }
        out[i] = best;
    }
}

// the loop of k2 over [2, 3]
KILN_ENTRY void k2(const float* b4, const float* b5, const float* b17, float* b19) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 6LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c1 = qi % 3;
        qi /= 3;
        [[maybe_unused]] const long long c0 = qi;
        double v0 = 0.0;
        {
            const long long pa = c0 * 36;
            const long long pb = c1 * 36;
            for (int q = 0; q < 36; q++) {
                v0 += (double) b17[pa + q * 1LL] * (double) b4[pb + q * 1LL];
            }
        }
        v0 = kiln_f32(v0);
        const double v1 = (double) b5[c1];
        const double v2 = kiln_f32((v0 + v1));
        kiln_store(b19, i, v2);
    }
}

// reductions of k2 over 3 element(s) into 2 output(s), one thread per output, in order
KILN_ENTRY void k2_acc0(const float* b4, const float* b5, const float* b17, double* b18) {
    for (long long o = (long long) blockIdx.x * blockDim.x + threadIdx.x; o < 2LL; o += (long long) gridDim.x * blockDim.x) {
        [[maybe_unused]] const long long c0 = o;
        double a0 = -INFINITY;
        for (long long r = 0; r < 3LL; r++) {
            [[maybe_unused]] const long long c1 = r;
            double v0 = 0.0;
            {
                const long long pa = c0 * 36;
                const long long pb = c1 * 36;
                for (int q = 0; q < 36; q++) {
                    v0 += (double) b17[pa + q * 1LL] * (double) b4[pb + q * 1LL];
                }
            }
            v0 = kiln_f32(v0);
            const double v1 = (double) b5[c1];
            const double v2 = kiln_f32((v0 + v1));
            a0 = kiln_max(a0, v2);
        }
        b18[c0] = a0;
    }
}

// the loop of k3 over [2, 3]
KILN_ENTRY void k3(const double* b18, const float* b19, float* b34) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 6LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c1 = qi % 3;
        qi /= 3;
        [[maybe_unused]] const long long c0 = qi;
        const double v0 = (double) b19[i];
        const double v1 = kiln_f32((double) b18[c0]);
        const double v2 = kiln_f32((v0 - v1));
        const double v3 = kiln_f32(exp(v2));
        kiln_store(b34, i, v3);
    }
}

// reductions of k3 over 3 element(s) into 2 output(s), one thread per output, in order
KILN_ENTRY void k3_acc0(const double* b18, const float* b19, double* b20) {
    for (long long o = (long long) blockIdx.x * blockDim.x + threadIdx.x; o < 2LL; o += (long long) gridDim.x * blockDim.x) {
        [[maybe_unused]] const long long c0 = o;
        double a0 = 0.0;
        for (long long r = 0; r < 3LL; r++) {
            [[maybe_unused]] const long long c1 = r;
            const double v0 = (double) b19[c0 * 3 + c1];
            const double v1 = kiln_f32((double) b18[c0]);
            const double v2 = kiln_f32((v0 - v1));
            const double v3 = kiln_f32(exp(v2));
            a0 += v3;
        }
        b20[c0] = a0;
    }
}

// the loop of k4 over [2]
KILN_ENTRY void k4(const double* b18, const double* b20, float* b27) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 2LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = kiln_f32((double) b20[i]);
        const double v1 = kiln_f32(log(v0));
        const double v2 = kiln_f32((double) b18[i]);
        const double v3 = kiln_f32((v1 + v2));
        kiln_store(b27, i, v3);
    }
}

// cast elementwise over strided views (double arithmetic)
KILN_ENTRY void kiln_cast_i64_to_f32(const long long* x0, KilnView v0, float* out, long long n) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const double a0 = (double) x0[kiln_at(v0, i)];
        kiln_store(out, i, kiln_f32(a0));
    }
}

// the scalar prologue of k5
KILN_ENTRY void k5_before(double* slots) {
    {
        const double t0 = -100.0;
        slots[2] = t0;
    }
}

// the loop of k5 over [2]
KILN_ENTRY void k5(const float* b21, unsigned char* b22) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 2LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = (double) b21[i];
        const double v1 = -100.0;
        const double v2 = kiln_bool(v0 != v1);
        kiln_store(b22, i, v2);
    }
}

// where elementwise over strided views (long arithmetic)
KILN_ENTRY void kiln_where_b8_i64_i64_to_i64(const unsigned char* x0, KilnView v0, const long long* x1, KilnView v1, const long long* x2, KilnView v2, long long* out, long long n) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const long long a0 = (long long) x0[kiln_at(v0, i)];
        const long long a1 = (long long) x1[kiln_at(v1, i)];
        const long long a2 = (long long) x2[kiln_at(v2, i)];
        kiln_store(out, i, (a0 != 0 ? a1 : a2));
    }
}

// the scalar prologue of k6
KILN_ENTRY void k6_before(double* slots) {
    {
        const double t0 = 1.0;
        slots[6] = t0;
    }
}

// the loop of k6 over [2], 2 reduction(s) into 1 block partial(s) each
KILN_ENTRY void k6(const unsigned char* b22, const float* b26, const float* b27, float* b28, const double* slots, double* scratch) {
    const double s0 = slots[0];
    double r0 = 0.0;
    double r1 = 0.0;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 2LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = (double) b26[i];
        const double v1 = (double) b27[i];
        const double v2 = kiln_f32((v0 - v1));
        const double v3 = (double) b22[i];
        const double v4 = kiln_f32(v3);
        const double v5 = kiln_f32((v2 * v4));
        const double v6 = kiln_f32((-v5));
        const double v7 = s0;
        const double v8 = kiln_f32((v3 != 0 ? v6 : v7));
        kiln_store(b28, i, v4);
        r0 += v8;
        r1 += v4;
    }
    __shared__ double red[KILN_BLOCK];
    r0 = kiln_block_reduce(red, r0, false);
    r1 = kiln_block_reduce(red, r1, false);
    if (threadIdx.x == 0) {
        scratch[0 + blockIdx.x] = r0;
        scratch[1 + blockIdx.x] = r1;
    }
}

// the reductions of k6 (block partials in block order) and its scalar epilogue
KILN_ENTRY void k6_after(double* slots, const double* scratch) {
    {
        double t = 0.0;
        for (int b = 0; b < 1; b++) {
            t = kiln_combine(t, scratch[0 + b], false);
        }
        slots[3] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 1; b++) {
            t = kiln_combine(t, scratch[1 + b], false);
        }
        slots[4] = kiln_f32(t);
    }
    {
        const double t0 = slots[3];
        const double t1 = slots[4];
        const double t2 = kiln_f32((t0 / t1));
        slots[5] = t2;
    }
    {
        const double t0 = slots[6];
        const double t1 = slots[4];
        const double t2 = kiln_f32((t0 / t1));
        slots[7] = t2;
    }
}

// the loop of k7 over [2]
KILN_ENTRY void k7(const unsigned char* b22, const float* b28, float* b29, float* b32, const double* slots) {
    const double s7 = slots[7];
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 2LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = (double) b22[i];
        const double v1 = s7;
        const double v2 = 0.0;
        const double v3 = kiln_f32((v0 != 0 ? v1 : v2));
        const double v4 = kiln_f32((-v3));
        const double v5 = (double) b28[i];
        const double v6 = kiln_f32((v4 * v5));
        const double v7 = kiln_f32((-v6));
        kiln_store(b29, i, v6);
        kiln_store(b32, i, v7);
    }
}

// every element set to one value
KILN_ENTRY void kiln_fill_f32(float* out, long long n, double value) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        kiln_store(out, i, value);
    }
}

// out[p with p[axis] = index[p]] += src[p]: one thread per line along the axis, in order (no atomics)
KILN_ENTRY void kiln_scatter_add_f32_i64(const long long* index, const float* src, KilnView sv, float* out, KilnView ov, int axis, long long n, unsigned long long* status, int tag) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        long long rest = i, sbase = 0, obase = 0;
        for (int d = sv.rank - 1; d >= 0; d--) {
            if (d == axis) continue;
            const long long c = rest % sv.shape[d];
            rest /= sv.shape[d];
            sbase += c * sv.strides[d];
            obase += c * ov.strides[d];
        }
        for (long long j = 0; j < sv.shape[axis]; j++) {
            const long long p = sbase + j * sv.strides[axis];
            const long long idx = (long long) index[p];
            if (idx < 0 || idx >= ov.shape[axis]) {
                kiln_fail(status, tag, idx);
                continue;
            }
            const long long at = obase + idx * ov.strides[axis];
            kiln_store(out, at, (double) out[at] + (double) src[p]);
        }
    }
}

// the loop of k8 over [2]
KILN_ENTRY void k8(const double* b20, const float* b32, float* b33) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 2LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = (double) b32[i];
        const double v1 = kiln_f32((double) b20[i]);
        const double v2 = kiln_f32((v0 / v1));
        kiln_store(b33, i, v2);
    }
}

// the loop of k9 over [2, 3]
KILN_ENTRY void k9(const float* b31, const float* b33, const float* b34, float* b36) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 6LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c1 = qi % 3;
        qi /= 3;
        [[maybe_unused]] const long long c0 = qi;
        const double v0 = (double) b33[c0];
        const double v1 = (double) b34[i];
        const double v2 = kiln_f32((v0 * v1));
        const double v3 = (double) b31[i];
        const double v4 = kiln_f32((v3 + v2));
        kiln_store(b36, i, v4);
    }
}

// reductions of k9 over 2 element(s) into 3 output(s), one thread per output, in order
KILN_ENTRY void k9_acc0(const float* b31, const float* b33, const float* b34, double* b35) {
    for (long long o = (long long) blockIdx.x * blockDim.x + threadIdx.x; o < 3LL; o += (long long) gridDim.x * blockDim.x) {
        [[maybe_unused]] const long long c1 = o;
        double a0 = 0.0;
        for (long long r = 0; r < 2LL; r++) {
            [[maybe_unused]] const long long c0 = r;
            const double v0 = (double) b33[c0];
            const double v1 = (double) b34[c0 * 3 + c1];
            const double v2 = kiln_f32((v0 * v1));
            const double v3 = (double) b31[c0 * 3 + c1];
            const double v4 = kiln_f32((v3 + v2));
            a0 += v4;
        }
        b35[c1] = a0;
    }
}

// the loop of k10 over [2, 36]
KILN_ENTRY void k10(const float* b4, const float* b36, float* b37) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 72LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c1 = qi % 36;
        qi /= 36;
        [[maybe_unused]] const long long c0 = qi;
        double v0 = 0.0;
        {
            const long long pa = c0 * 3;
            const long long pb = c1;
            for (int q = 0; q < 3; q++) {
                v0 += (double) b36[pa + q * 1LL] * (double) b4[pb + q * 36LL];
            }
        }
        v0 = kiln_f32(v0);
        kiln_store(b37, i, v0);
    }
}

// the loop of k11 over [36, 3]
KILN_ENTRY void k11(const float* b17, const float* b36, float* b44) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 108LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c1 = qi % 3;
        qi /= 3;
        [[maybe_unused]] const long long c0 = qi;
        double v0 = 0.0;
        {
            const long long pa = c0;
            const long long pb = c1;
            for (int q = 0; q < 2; q++) {
                v0 += (double) b17[pa + q * 36LL] * (double) b36[pb + q * 3LL];
            }
        }
        v0 = kiln_f32(v0);
        kiln_store(b44, i, v0);
    }
}

// the loop of k12 over [2, 4, 6, 6]
KILN_ENTRY void k12(const float* b39, const unsigned char* b40, float* b42) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 288LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = (double) b40[i];
        const double v1 = 0.0;
        const double v2 = (double) b39[i];
        const double v3 = kiln_f32((v0 != 0 ? v1 : v2));
        kiln_store(b42, i, v3);
    }
}

// reductions of k12 over 72 element(s) into 4 output(s), one block per output
KILN_ENTRY void k12_acc0(const float* b39, const unsigned char* b40, double* b41) {
    __shared__ double red[KILN_BLOCK];
    for (long long o = blockIdx.x; o < 4LL; o += gridDim.x) {
        [[maybe_unused]] const long long c1 = o;
        double a0 = 0.0;
        for (long long r = threadIdx.x; r < 72LL; r += blockDim.x) {
            long long qr = r;
            [[maybe_unused]] const long long c3 = qr % 6;
            qr /= 6;
            [[maybe_unused]] const long long c2 = qr % 6;
            qr /= 6;
            [[maybe_unused]] const long long c0 = qr;
            const long long i = c0 * 144 + c1 * 36 + c2 * 6 + c3;
            const double v0 = (double) b40[i];
            const double v1 = 0.0;
            const double v2 = (double) b39[i];
            const double v3 = kiln_f32((v0 != 0 ? v1 : v2));
            a0 += v3;
        }
        a0 = kiln_block_reduce(red, a0, false);
        if (threadIdx.x == 0) {
            b41[c1] = a0;
        }
    }
}

// the scalar prologue of k13
KILN_ENTRY void k13_before(double* slots) {
    {
        const double t0 = 0.10000000149011612;
        slots[8] = t0;
    }
}

// reductions of k13 over 2 element(s) into 36 output(s), one thread per output, in order
KILN_ENTRY void k13_acc0(const float* b11, const float* b42, double* b43) {
    for (long long o = (long long) blockIdx.x * blockDim.x + threadIdx.x; o < 36LL; o += (long long) gridDim.x * blockDim.x) {
        long long qo = o;
        [[maybe_unused]] const long long c2 = qo % 9;
        qo /= 9;
        [[maybe_unused]] const long long c1 = qo;
        double a0 = 0.0;
        for (long long r = 0; r < 2LL; r++) {
            [[maybe_unused]] const long long c0 = r;
            double v0 = 0.0;
            {
                const long long pa = c0 * 144 + c1 * 36;
                const long long pb = c0 * 324 + c2 * 36;
                for (int q = 0; q < 36; q++) {
                    v0 += (double) b42[pa + q * 1LL] * (double) b11[pb + q * 1LL];
                }
            }
            v0 = kiln_f32(v0);
            a0 += v0;
        }
        b43[c1 * 9 + c2] = a0;
    }
}

// the loop of k14 over [4, 3, 3]
KILN_ENTRY void k14(const float* b2, const double* b43, float* b46) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 36LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = kiln_f32((double) b43[i]);
        const double v1 = 0.10000000149011612;
        const double v2 = kiln_f32((v0 * v1));
        const double v3 = (double) b2[i];
        const double v4 = kiln_f32((v3 - v2));
        kiln_store(b46, i, v4);
    }
}

// the loop of k15 over [4]
KILN_ENTRY void k15(const float* b3, const double* b41, float* b47) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 4LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = kiln_f32((double) b41[i]);
        const double v1 = 0.10000000149011612;
        const double v2 = kiln_f32((v0 * v1));
        const double v3 = (double) b3[i];
        const double v4 = kiln_f32((v3 - v2));
        kiln_store(b47, i, v4);
    }
}

// the loop of k16 over [3, 36]
KILN_ENTRY void k16(const float* b4, const float* b44, float* b48) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 108LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c1 = qi % 36;
        qi /= 36;
        [[maybe_unused]] const long long c0 = qi;
        const double v0 = (double) b44[c0 + c1 * 3];
        const double v1 = 0.10000000149011612;
        const double v2 = kiln_f32((v0 * v1));
        const double v3 = (double) b4[i];
        const double v4 = kiln_f32((v3 - v2));
        kiln_store(b48, i, v4);
    }
}

// the loop of k17 over [3]
KILN_ENTRY void k17(const float* b5, const double* b35, float* b49) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 3LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = kiln_f32((double) b35[i]);
        const double v1 = 0.10000000149011612;
        const double v2 = kiln_f32((v0 * v1));
        const double v3 = (double) b5[i];
        const double v4 = kiln_f32((v3 - v2));
        kiln_store(b49, i, v4);
    }
}

// a scalar slot written into a one-element buffer
KILN_ENTRY void kiln_write_f32(const double* slots, int slot, float* out) {
    kiln_store(out, 0, slots[slot]);
}

// the loop of k18 over [4, 3, 3]
KILN_ENTRY void k18(const double* b43, float* b50) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 36LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = kiln_f32((double) b43[i]);
        kiln_store(b50, i, v0);
    }
}

// the loop of k19 over [4]
KILN_ENTRY void k19(const double* b41, float* b51) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 4LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = kiln_f32((double) b41[i]);
        kiln_store(b51, i, v0);
    }
}

// the loop of k20 over [3, 36]
KILN_ENTRY void k20(const float* b44, float* b52) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 108LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c1 = qi % 36;
        qi /= 36;
        [[maybe_unused]] const long long c0 = qi;
        const double v0 = (double) b44[c0 + c1 * 3];
        kiln_store(b52, i, v0);
    }
}

// the loop of k21 over [3]
KILN_ENTRY void k21(const double* b35, float* b53) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 3LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = kiln_f32((double) b35[i]);
        kiln_store(b53, i, v0);
    }
}
