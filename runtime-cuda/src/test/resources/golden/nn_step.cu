CUDA plan: 12 launch(es), 10 kernel(s), 4 scratch double(s); nvcc --fmad=false
  kiln_read_f32<<<1, 1>>>(buf2, slots, 0)  // s0 = buf2[0]
  k0_before<<<1, 1>>>(slots)  // the scalar prologue of k0
  k0<<<2, 256>>>(buf0, buf1, buf3, buf4, slots, scratch)  // the loop of k0 over [2000], 2 reduction(s) into 2 block partial(s) each
  k0_after<<<1, 1>>>(slots, scratch)  // the reductions of k0 (block partials in block order) and its scalar epilogue
  k1_before<<<1, 1>>>(slots)  // the scalar prologue of k1
  k1<<<1, 256>>>(buf1, buf4, buf5)  // the loop of k1 over [3]
  k2_before<<<1, 1>>>(slots)  // the scalar prologue of k2
  k2<<<1, 256>>>(buf0, buf5, buf7)  // the loop of k2 over [3]
  kiln_write_f32<<<1, 1>>>(slots, 2, buf6)  // buf6[0] = s2
  kiln_write_f32<<<1, 1>>>(slots, 6, buf8)  // buf8[0] = s6
  k3<<<1, 256>>>(buf5, buf9)  // the loop of k3 over [3]
  kiln_write_f32<<<1, 1>>>(slots, 3, buf10)  // buf10[0] = s3
// Kiln CUDA module: 4 fused loop kernel(s), 0 scalar-only kernel(s), 0 single op(s)
// nvcc options: --fmad=false
// (the device helpers of codegen/src/main/resources/dev/kiln/codegen/cuda/kiln_device.cuh)

// a one-element buffer read into a scalar slot
KILN_ENTRY void kiln_read_f32(const float* x, double* slots, int slot) {
    slots[slot] = (double) x[0];
}

// the scalar prologue of k0
KILN_ENTRY void k0_before(double* slots) {
    {
        const double t0 = 2.0;
        slots[1] = t0;
    }
}

// the loop of k0 over [2000], 2 reduction(s) into 2 block partial(s) each
KILN_ENTRY void k0(const float* b0, const float* b1, const float* b3, float* b4, const double* slots, double* scratch) {
    const double s0 = slots[0];
    double r0 = 0.0;
    double r1 = 0.0;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 2000LL; i += (long long) gridDim.x * blockDim.x) {
        [[maybe_unused]] const long long c0 = i;
        double v0 = 0.0;
        {
            const long long pa = c0 * 3;
            const long long pb = 0;
            for (int q = 0; q < 3; q++) {
                v0 += (double) b1[pa + q * 1LL] * (double) b0[pb + q * 1LL];
            }
        }
        v0 = kiln_f32(v0);
        const double v1 = s0;
        const double v2 = kiln_f32((v0 + v1));
        const double v3 = (double) b3[i];
        const double v4 = kiln_f32((v2 - v3));
        const double v5 = kiln_f32((v4 * v4));
        const double v6 = 2.0;
        const double v7 = kiln_f32((v6 * v4));
        kiln_store(b4, i, v7);
        r0 += v5;
        r1 += v7;
    }
    __shared__ double red[KILN_BLOCK];
    r0 = kiln_block_reduce(red, r0, false);
    r1 = kiln_block_reduce(red, r1, false);
    if (threadIdx.x == 0) {
        scratch[0 + blockIdx.x] = r0;
        scratch[2 + blockIdx.x] = r1;
    }
}

// the reductions of k0 (block partials in block order) and its scalar epilogue
KILN_ENTRY void k0_after(double* slots, const double* scratch) {
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[0 + b], false);
        }
        slots[2] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[2 + b], false);
        }
        slots[3] = kiln_f32(t);
    }
}

// the scalar prologue of k1
KILN_ENTRY void k1_before(double* slots) {
    {
        const double t0 = 9.999999974752427E-7;
        slots[4] = t0;
    }
}

// the loop of k1 over [3]
KILN_ENTRY void k1(const float* b1, const float* b4, float* b5) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 3LL; i += (long long) gridDim.x * blockDim.x) {
        [[maybe_unused]] const long long c0 = i;
        double v0 = 0.0;
        {
            const long long pa = i;
            const long long pb = 0;
            for (int q = 0; q < 2000; q++) {
                v0 += (double) b1[pa + q * 3LL] * (double) b4[pb + q * 1LL];
            }
        }
        v0 = kiln_f32(v0);
        kiln_store(b5, i, v0);
    }
}

// the scalar prologue of k2
KILN_ENTRY void k2_before(double* slots) {
    {
        const double t0 = slots[3];
        const double t1 = slots[4];
        const double t2 = kiln_f32((t0 * t1));
        slots[5] = t2;
    }
    {
        const double t0 = slots[0];
        const double t1 = slots[5];
        const double t2 = kiln_f32((t0 - t1));
        slots[6] = t2;
    }
}

// the loop of k2 over [3]
KILN_ENTRY void k2(const float* b0, const float* b5, float* b7) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 3LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = (double) b5[i];
        const double v1 = 9.999999974752427E-7;
        const double v2 = kiln_f32((v0 * v1));
        const double v3 = (double) b0[i];
        const double v4 = kiln_f32((v3 - v2));
        kiln_store(b7, i, v4);
    }
}

// a scalar slot written into a one-element buffer
KILN_ENTRY void kiln_write_f32(const double* slots, int slot, float* out) {
    kiln_store(out, 0, slots[slot]);
}

// the loop of k3 over [3]
KILN_ENTRY void k3(const float* b5, float* b9) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 3LL; i += (long long) gridDim.x * blockDim.x) {
        const double v0 = (double) b5[i];
        kiln_store(b9, i, v0);
    }
}
