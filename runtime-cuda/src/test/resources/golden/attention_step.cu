CUDA plan: 11 launch(es), 11 kernel(s), 1 scratch double(s); nvcc --fmad=false
  kiln_attend_forward_f32<<<1, 256>>>(buf0, buf1, buf2, buf3, 10, 5, 5, 4, 4, 1, 0.5)  // step 0: forward causal=true scale=0.5
  k0_before<<<1, 1>>>(slots)  // the scalar prologue of k0
  k0<<<1, 256>>>(buf3, buf4, scratch)  // the loop of k0 over [2, 5, 4], 1 reduction(s) into 1 block partial(s) each
  k0_after<<<1, 1>>>(slots, scratch)  // the reductions of k0 (block partials in block order) and its scalar epilogue
  kiln_fill_f32<<<1, 256>>>(buf5, 50, 0.0)  // step 2: unslice axis=2 start=0 step=1 size=5
  kiln_place_f32<<<1, 256>>>(buf4, 40, buf5, view[2,5,4][25,5,1]+0)  // step 2: unslice axis=2 start=0 step=1 size=5
  kiln_attend_backward_rows_f32<<<1, 256>>>(buf0, buf1, buf2, buf3, buf5, buf6, 10, 5, 5, 4, 4, 1, 0.5)  // step 3: backward causal=true scale=0.5 (dq)
  kiln_attend_backward_keys_f32<<<1, 256>>>(buf0, buf1, buf2, buf3, buf5, buf6, 10, 5, 5, 4, 4, 1, 0.5)  // step 3: backward causal=true scale=0.5 (dk, dv)
  k1_before<<<1, 1>>>(slots)  // the scalar prologue of k1
  k1<<<1, 256>>>(buf0, buf1, buf2, buf6, buf8, buf9, buf10)  // the loop of k1 over [2, 5, 4]
  kiln_write_f32<<<1, 1>>>(slots, 1, buf7)  // buf7[0] = s1
// Kiln CUDA module: 2 fused loop kernel(s), 0 scalar-only kernel(s), 3 single op(s)
// nvcc options: --fmad=false
// (the device helpers of codegen/src/main/resources/dev/kiln/codegen/cuda/kiln_device.cuh)

// fused attention: each query row's softmax(q k^T scale) v and logsumexp, the scores recomputed, never stored
KILN_ENTRY void kiln_attend_forward_f32(const float* q, const float* k, const float* v, float* out, long long n, int L, int S, int E, int Ev, int causal, double scale) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const long long b = i / L;
        const int row = (int) (i % L);
        const int count = causal && row + 1 < S ? row + 1 : S;
        const float* qi = q + i * E;
        const float* kb = k + b * S * E;
        const float* vb = v + b * S * Ev;
        float* o = out + i * (Ev + 1);
        double max = -INFINITY, sum = 0.0;
        for (int j = 0; j < count; j++) {
            double dot = 0.0;
            for (int e = 0; e < E; e++) dot += (double) qi[e] * (double) kb[(long long) j * E + e];
            const double s = scale * dot;
            if (s > max) {
                sum = sum * exp(max - s) + 1.0;
                max = s;
            } else {
                sum += exp(s - max);
            }
        }
        const double lse = count == 0 ? -INFINITY : max + log(sum);
        for (int c0 = 0; c0 < Ev; c0 += 32) {
            double acc[32];
            #pragma unroll
            for (int c = 0; c < 32; c++) acc[c] = 0.0;
            for (int j = 0; j < count; j++) {
                double dot = 0.0;
                for (int e = 0; e < E; e++) dot += (double) qi[e] * (double) kb[(long long) j * E + e];
                const double s = scale * dot;
                const double p = exp(s - lse);
                #pragma unroll
                for (int c = 0; c < 32; c++) {
                    if (c0 + c < Ev) acc[c] += p * (double) vb[(long long) j * Ev + c0 + c];
                }
            }
            #pragma unroll
            for (int c = 0; c < 32; c++) {
                if (c0 + c < Ev) kiln_store(o, c0 + c, acc[c]);
            }
        }
        kiln_store(o, Ev, lse);
    }
}

// the scalar prologue of k0
KILN_ENTRY void k0_before(double* slots) {
    {
        const double t0 = 2.0;
        slots[0] = t0;
    }
}

// the loop of k0 over [2, 5, 4], 1 reduction(s) into 1 block partial(s) each
KILN_ENTRY void k0(const float* b3, float* b4, double* scratch) {
    double r0 = 0.0;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 40LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c2 = qi % 4;
        qi /= 4;
        [[maybe_unused]] const long long c1 = qi % 5;
        qi /= 5;
        [[maybe_unused]] const long long c0 = qi;
        const double v0 = (double) b3[c0 * 25 + c1 * 5 + c2];
        const double v1 = kiln_f32((v0 * v0));
        const double v2 = 2.0;
        const double v3 = kiln_f32((v2 * v0));
        kiln_store(b4, i, v3);
        r0 += v1;
    }
    __shared__ double red[KILN_BLOCK];
    r0 = kiln_block_reduce(red, r0, false);
    if (threadIdx.x == 0) {
        scratch[0 + blockIdx.x] = r0;
    }
}

// the reductions of k0 (block partials in block order) and its scalar epilogue
KILN_ENTRY void k0_after(double* slots, const double* scratch) {
    {
        double t = 0.0;
        for (int b = 0; b < 1; b++) {
            t = kiln_combine(t, scratch[0 + b], false);
        }
        slots[1] = kiln_f32(t);
    }
}

// every element set to one value
KILN_ENTRY void kiln_fill_f32(float* out, long long n, double value) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        kiln_store(out, i, value);
    }
}

// a dense buffer copied into a strided view
KILN_ENTRY void kiln_place_f32(const float* x, long long n, float* out, KilnView v) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        out[kiln_at(v, i)] = x[i];
    }
}

// fused attention's dq: one thread per query row, dq_i = sum_j ds_ij k_j
KILN_ENTRY void kiln_attend_backward_rows_f32(const float* q, const float* k, const float* v, const float* fwd, const float* g, float* out, long long n, int L, int S, int E, int Ev, int causal, double scale) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const long long b = i / L;
        const int row = (int) (i % L);
        const int count = causal && row + 1 < S ? row + 1 : S;
        const float* qi = q + i * E;
        const float* kb = k + b * S * E;
        const float* vb = v + b * S * Ev;
        float* base = out + b * ((long long) L * E + (long long) S * E + (long long) S * Ev);
        const long long orow = i * (Ev + 1);
        double rowDot = 0.0;
        for (int c = 0; c < Ev; c++) rowDot += (double) g[orow + c] * (double) fwd[orow + c];
        for (int e0 = 0; e0 < E; e0 += 32) {
            double acc[32];
            #pragma unroll
            for (int c = 0; c < 32; c++) acc[c] = 0.0;
            for (int j = 0; j < count; j++) {
                double dot = 0.0;
                for (int e = 0; e < E; e++) dot += (double) qi[e] * (double) kb[(long long) j * E + e];
                const double s = scale * dot;
                const double p = exp(s - fwd[orow + Ev]);
                double dp = 0.0;
                for (int c = 0; c < Ev; c++) dp += (double) g[orow + c] * (double) vb[(long long) j * Ev + c];
                const double ds = p * (dp - rowDot + (double) g[orow + Ev]) * scale;
                #pragma unroll
                for (int c = 0; c < 32; c++) {
                    if (e0 + c < E) acc[c] += ds * (double) kb[(long long) j * E + e0 + c];
                }
            }
            #pragma unroll
            for (int c = 0; c < 32; c++) {
                if (e0 + c < E) kiln_store(base, (long long) row * E + e0 + c, acc[c]);
            }
        }
    }
}

// fused attention's dk and dv: one thread per key row j, over the query rows that see it
KILN_ENTRY void kiln_attend_backward_keys_f32(const float* q, const float* k, const float* v, const float* fwd, const float* g, float* out, long long n, int L, int S, int E, int Ev, int causal, double scale) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const long long b = i / S;
        const int j = (int) (i % S);
        const int first = causal ? j : 0;
        const float* kb = k + b * S * E;
        const float* vb = v + b * S * Ev;
        float* base = out + b * ((long long) L * E + (long long) S * E + (long long) S * Ev);
            for (int c0 = 0; c0 < E; c0 += 32) {
                double acc[32];
                #pragma unroll
                for (int c = 0; c < 32; c++) acc[c] = 0.0;
                for (int r = first; r < L; r++) {
                    const float* qi = q + (b * L + r) * E;
                    const long long orow = (b * L + r) * (Ev + 1);
                    double dot = 0.0;
                    for (int e = 0; e < E; e++) dot += (double) qi[e] * (double) kb[(long long) j * E + e];
                    const double s = scale * dot;
                    double rowDot = 0.0;
                    for (int c = 0; c < Ev; c++) rowDot += (double) g[orow + c] * (double) fwd[orow + c];
                    const double p = exp(s - fwd[orow + Ev]);
                    double dp = 0.0;
                    for (int c = 0; c < Ev; c++) dp += (double) g[orow + c] * (double) vb[(long long) j * Ev + c];
                    const double ds = p * (dp - rowDot + (double) g[orow + Ev]) * scale;
                    #pragma unroll
                    for (int c = 0; c < 32; c++) {
                        if (c0 + c < E) acc[c] += ds * (double) qi[c0 + c];
                    }
                }
                #pragma unroll
                for (int c = 0; c < 32; c++) {
                    if (c0 + c < E) kiln_store(base, (long long) L * E + (long long) j * E + c0 + c, acc[c]);
                }
            }
            for (int c0 = 0; c0 < Ev; c0 += 32) {
                double acc[32];
                #pragma unroll
                for (int c = 0; c < 32; c++) acc[c] = 0.0;
                for (int r = first; r < L; r++) {
                    const float* qi = q + (b * L + r) * E;
                    const long long orow = (b * L + r) * (Ev + 1);
                    double dot = 0.0;
                    for (int e = 0; e < E; e++) dot += (double) qi[e] * (double) kb[(long long) j * E + e];
                    const double s = scale * dot;
                    const double p = exp(s - fwd[orow + Ev]);
                    #pragma unroll
                    for (int c = 0; c < 32; c++) {
                        if (c0 + c < Ev) acc[c] += p * (double) g[orow + c0 + c];
                    }
                }
                #pragma unroll
                for (int c = 0; c < 32; c++) {
                    if (c0 + c < Ev) kiln_store(base, (long long) L * E + (long long) S * E + (long long) j * Ev + c0 + c, acc[c]);
                }
            }
    }
}

// the scalar prologue of k1
KILN_ENTRY void k1_before(double* slots) {
    {
        const double t0 = 0.10000000149011612;
        slots[2] = t0;
    }
}

// the loop of k1 over [2, 5, 4]
KILN_ENTRY void k1(const float* b0, const float* b1, const float* b2, const float* b6, float* b8, float* b9, float* b10) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < 40LL; i += (long long) gridDim.x * blockDim.x) {
        long long qi = i;
        [[maybe_unused]] const long long c2 = qi % 4;
        qi /= 4;
        [[maybe_unused]] const long long c1 = qi % 5;
        qi /= 5;
        [[maybe_unused]] const long long c0 = qi;
        const double v0 = (double) b6[c0 * 60 + c1 * 4 + c2];
        const double v1 = 0.10000000149011612;
        const double v2 = kiln_f32((v0 * v1));
        const double v3 = (double) b0[i];
        const double v4 = kiln_f32((v3 - v2));
        const double v5 = (double) b6[c0 * 60 + c1 * 4 + c2 + 20];
        const double v6 = kiln_f32((v5 * v1));
        const double v7 = (double) b1[i];
        const double v8 = kiln_f32((v7 - v6));
        const double v9 = (double) b6[c0 * 60 + c1 * 4 + c2 + 40];
        const double v10 = kiln_f32((v9 * v1));
        const double v11 = (double) b2[i];
        const double v12 = kiln_f32((v11 - v10));
        kiln_store(b8, i, v4);
        kiln_store(b9, i, v8);
        kiln_store(b10, i, v12);
    }
}

// a scalar slot written into a one-element buffer
KILN_ENTRY void kiln_write_f32(const double* slots, int slot, float* out) {
    kiln_store(out, 0, slots[slot]);
}
