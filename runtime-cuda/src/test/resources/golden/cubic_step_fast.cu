CUDA plan: 12 launch(es), 5 kernel(s), 10 scratch double(s); nvcc --fmad=true
  kiln_read_f32<<<1, 1>>>(buf0, slots, 0)  // s0 = buf0[0]
  kiln_read_f32<<<1, 1>>>(buf2, slots, 1)  // s1 = buf2[0]
  kiln_read_f32<<<1, 1>>>(buf3, slots, 2)  // s2 = buf3[0]
  kiln_read_f32<<<1, 1>>>(buf4, slots, 3)  // s3 = buf4[0]
  k0_before<<<1, 1>>>(slots)  // the scalar prologue of k0
  k0<<<2, 256>>>(buf1, buf5, slots, scratch)  // the loop of k0 over [2000], 5 reduction(s) into 2 block partial(s) each
  k0_after<<<1, 1>>>(slots, scratch)  // the reductions of k0 (block partials in block order) and its scalar epilogue
  kiln_write_f32<<<1, 1>>>(slots, 5, buf6)  // buf6[0] = s5
  kiln_write_f32<<<1, 1>>>(slots, 14, buf7)  // buf7[0] = s14
  kiln_write_f32<<<1, 1>>>(slots, 12, buf8)  // buf8[0] = s12
  kiln_write_f32<<<1, 1>>>(slots, 16, buf9)  // buf9[0] = s16
  kiln_write_f32<<<1, 1>>>(slots, 18, buf10)  // buf10[0] = s18
// Kiln CUDA module: 1 fused loop kernel(s), 0 scalar-only kernel(s), 0 single op(s)
// nvcc options: --fmad=true
// precision FAST: float32 values computed in float
// (the device helpers of codegen/src/main/resources/dev/kiln/codegen/cuda/kiln_device.cuh)
// (the device helpers of codegen/src/main/resources/dev/kiln/codegen/cuda/kiln_device_fast.cuh)

// a one-element buffer read into a scalar slot
KILN_ENTRY void kiln_read_f32(const float* x, double* slots, int slot) {
    slots[slot] = (double) x[0];
}

// the scalar prologue of k0
KILN_ENTRY void k0_before(double* slots) {
    {
        const float t0 = 2.0f;
        slots[4] = t0;
    }
    {
        const float t0 = 1.0E-6f;
        slots[10] = t0;
    }
}

// the loop of k0 over [2000], 5 reduction(s) into 2 block partial(s) each
KILN_ENTRY void k0(const float* b1, const float* b5, const double* slots, double* scratch) {
    const double s0 = slots[0];
    const double s1 = slots[1];
    const double s2 = slots[2];
    const double s3 = slots[3];
    float r0 = 0.0f;
    float r1 = 0.0f;
    float r2 = 0.0f;
    float r3 = 0.0f;
    float r4 = 0.0f;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 2000LL; i += (long long) gridDim.x * blockDim.x) {
        const float v0 = (float) s0;
        const float v1 = b1[i];
        const float v2 = (v0 * v1);
        const float v3 = (float) s1;
        const float v4 = (v3 + v2);
        const float v5 = (v1 * v1);
        const float v6 = (float) s2;
        const float v7 = (v6 * v5);
        const float v8 = (v4 + v7);
        const float v9 = (v5 * v1);
        const float v10 = (float) s3;
        const float v11 = (v10 * v9);
        const float v12 = (v8 + v11);
        const float v13 = b5[i];
        const float v14 = (v12 - v13);
        const float v15 = (v14 * v14);
        const float v16 = 2.0f;
        const float v17 = (v16 * v14);
        const float v18 = (v17 * v9);
        const float v19 = (v17 * v5);
        const float v20 = (v17 * v1);
        r0 += v15;
        r1 += v18;
        r2 += v19;
        r3 += v17;
        r4 += v20;
    }
    __shared__ float redf[KILN_BLOCK];
    r0 = kiln_block_reduce(redf, r0, false);
    r1 = kiln_block_reduce(redf, r1, false);
    r2 = kiln_block_reduce(redf, r2, false);
    r3 = kiln_block_reduce(redf, r3, false);
    r4 = kiln_block_reduce(redf, r4, false);
    if (threadIdx.x == 0) {
        scratch[0 + blockIdx.x] = r0;
        scratch[2 + blockIdx.x] = r1;
        scratch[4 + blockIdx.x] = r2;
        scratch[6 + blockIdx.x] = r3;
        scratch[8 + blockIdx.x] = r4;
    }
}

// the reductions of k0 (block partials in block order) and its scalar epilogue
KILN_ENTRY void k0_after(double* slots, const double* scratch) {
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[0 + b], false);
        }
        slots[5] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[2 + b], false);
        }
        slots[6] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[4 + b], false);
        }
        slots[7] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[6 + b], false);
        }
        slots[8] = kiln_f32(t);
    }
    {
        double t = 0.0;
        for (int b = 0; b < 2; b++) {
            t = kiln_combine(t, scratch[8 + b], false);
        }
        slots[9] = kiln_f32(t);
    }
    {
        const float t0 = (float) slots[8];
        const float t1 = (float) slots[10];
        const float t2 = (t0 * t1);
        slots[11] = t2;
    }
    {
        const float t0 = (float) slots[1];
        const float t1 = (float) slots[11];
        const float t2 = (t0 - t1);
        slots[12] = t2;
    }
    {
        const float t0 = (float) slots[9];
        const float t1 = (float) slots[10];
        const float t2 = (t0 * t1);
        slots[13] = t2;
    }
    {
        const float t0 = (float) slots[0];
        const float t1 = (float) slots[13];
        const float t2 = (t0 - t1);
        slots[14] = t2;
    }
    {
        const float t0 = (float) slots[7];
        const float t1 = (float) slots[10];
        const float t2 = (t0 * t1);
        slots[15] = t2;
    }
    {
        const float t0 = (float) slots[2];
        const float t1 = (float) slots[15];
        const float t2 = (t0 - t1);
        slots[16] = t2;
    }
    {
        const float t0 = (float) slots[6];
        const float t1 = (float) slots[10];
        const float t2 = (t0 * t1);
        slots[17] = t2;
    }
    {
        const float t0 = (float) slots[3];
        const float t1 = (float) slots[17];
        const float t2 = (t0 - t1);
        slots[18] = t2;
    }
}

// a scalar slot written into a one-element buffer
KILN_ENTRY void kiln_write_f32(const double* slots, int slot, float* out) {
    kiln_store(out, 0, slots[slot]);
}
