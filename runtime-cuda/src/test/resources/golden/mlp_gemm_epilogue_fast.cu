CUDA plan: 3 launch(es), 3 kernel(s), 0 scratch double(s); nvcc --fmad=true
  k0_before<<<1, 1>>>(slots)  // the scalar prologue of k0
  g0<<<(2, 4, 1), (16, 16, 1)>>>(buf0, buf1, buf2, buf5, buf6)  // GEMM [256, 128] = [256, 64] @ [64, 128] with the fused epilogue k0
  g1<<<(1, 4, 1), (16, 16, 1)>>>(buf3, buf4, buf6, buf7, buf8)  // GEMM [256, 10] = [256, 128] @ [128, 10] with the fused epilogue k1
// Kiln CUDA module: 0 fused loop kernel(s), 0 scalar-only kernel(s), 2 GEMM(s) (2 with a fused epilogue), 0 single op(s)
// nvcc options: --fmad=true
// precision FAST: float32 values computed in float
// (the device helpers of codegen/src/main/resources/dev/kiln/codegen/cuda/kiln_device.cuh)
// (the device helpers of codegen/src/main/resources/dev/kiln/codegen/cuda/kiln_device_fast.cuh)

// the scalar prologue of k0
KILN_ENTRY void k0_before(double* slots) {
    {
        const float t0 = 0.0f;
        slots[0] = t0;
    }
}

// GEMM [256, 128] = [256, 64] @ [64, 128] with the fused epilogue k0
KILN_ENTRY void g0(const float* b0, const float* b1, const float* b2, float* b5, float* b6) {
    __shared__ float as[16][64];
    __shared__ float bs[16][64];
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;
    const int t = ty * 16 + tx;
    const long long z = blockIdx.z;
    const long long aBase = 0;
    const long long bBase = 0;
    const long long cBase = z * 32768LL;
    const long long row0 = (long long) blockIdx.y * 64;
    const long long col0 = (long long) blockIdx.x * 64;
    float acc[4][4] = {{0.0f}};
    for (long long k0 = 0; k0 < 64LL; k0 += 16) {
        for (int q = 0; q < 4; q++) {
            const int at = t + 256 * q;
            const long long ar = row0 + (at >> 4), ak = k0 + (at & 15);
            as[at & 15][at >> 4] = ar < 256 && ak < 64 ? b0[aBase + ar * 64LL + ak * 1LL] : 0.0f;
            const long long bk = k0 + (at >> 6), bc = col0 + (at & 63);
            bs[at >> 6][at & 63] = bk < 64 && bc < 128 ? b1[bBase + bk * 1LL + bc * 64LL] : 0.0f;
        }
        __syncthreads();
        const int depth = 64 - k0 < 16 ? (int) (64 - k0) : 16;
        for (int kk = 0; kk < depth; kk++) {
            float x[4], y[4];
            for (int i = 0; i < 4; i++) {
                x[i] = as[kk][ty + 16 * i];
                y[i] = bs[kk][tx + 16 * i];
            }
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    acc[i][j] += x[i] * y[j];
                }
            }
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            const long long c0 = row0 + ty + 16 * i;
            const long long c1 = col0 + tx + 16 * j;
            if (c0 < 256 && c1 < 128) {
                const long long p = c0 * 128 + c1;
                kiln_store(b5, cBase + p, acc[i][j]);
                const float v0 = b5[p];
                const float v1 = b2[c1];
                const float v2 = (v0 + v1);
                const float v3 = 0.0f;
                const double v4 = kiln_bool(v2 <= v3);
                const float v5 = (v4 != 0 ? v3 : v2);
                kiln_store(b6, p, v5);
            }
        }
    }
}

// GEMM [256, 10] = [256, 128] @ [128, 10] with the fused epilogue k1
KILN_ENTRY void g1(const float* b3, const float* b4, const float* b6, float* b7, float* b8) {
    __shared__ float as[16][64];
    __shared__ float bs[16][64];
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;
    const int t = ty * 16 + tx;
    const long long z = blockIdx.z;
    const long long aBase = 0;
    const long long bBase = 0;
    const long long cBase = z * 2560LL;
    const long long row0 = (long long) blockIdx.y * 64;
    const long long col0 = (long long) blockIdx.x * 64;
    float acc[4][4] = {{0.0f}};
    for (long long k0 = 0; k0 < 128LL; k0 += 16) {
        for (int q = 0; q < 4; q++) {
            const int at = t + 256 * q;
            const long long ar = row0 + (at >> 4), ak = k0 + (at & 15);
            as[at & 15][at >> 4] = ar < 256 && ak < 128 ? b6[aBase + ar * 128LL + ak * 1LL] : 0.0f;
            const long long bk = k0 + (at >> 6), bc = col0 + (at & 63);
            bs[at >> 6][at & 63] = bk < 128 && bc < 10 ? b3[bBase + bk * 1LL + bc * 128LL] : 0.0f;
        }
        __syncthreads();
        const int depth = 128 - k0 < 16 ? (int) (128 - k0) : 16;
        for (int kk = 0; kk < depth; kk++) {
            float x[4], y[4];
            for (int i = 0; i < 4; i++) {
                x[i] = as[kk][ty + 16 * i];
                y[i] = bs[kk][tx + 16 * i];
            }
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    acc[i][j] += x[i] * y[j];
                }
            }
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            const long long c0 = row0 + ty + 16 * i;
            const long long c1 = col0 + tx + 16 * j;
            if (c0 < 256 && c1 < 10) {
                const long long p = c0 * 10 + c1;
                kiln_store(b7, cBase + p, acc[i][j]);
                const float v0 = b7[p];
                const float v1 = b4[c1];
                const float v2 = (v0 + v1);
                kiln_store(b8, p, v2);
            }
        }
    }
}
