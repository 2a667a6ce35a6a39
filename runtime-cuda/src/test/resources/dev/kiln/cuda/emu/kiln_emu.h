// kiln_emu.h: Kiln's CUDA execution model on the host, for tests on machines without a GPU.
//
// Generated CUDA C is compiled by g++ with this header in front. A launch runs the grid's blocks
// one after another (so a function-static __shared__ array is the running block's shared memory);
// each block's threads are real threads, created per launch, that meet at __syncthreads() and at
// the end of every block on one barrier. The barrier checks that every thread of a phase arrived
// from the same kind of place: a __syncthreads() that some threads skip (divergent, undefined on
// a GPU) is reported by the launch instead of hanging. Launches are serialized.
#pragma once
#include <math.h>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>
#include <vector>

struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace kiln_emu {

/**
 * The block's barrier: an arrival count and a generation, waited on with C++20 atomic waits
 * (futexes), so a phase costs one atomic add per thread and one wake-up. The last thread of a phase
 * checks that all arrived from the same kind of place.
 */
class Barrier {
    std::atomic<int> arrived_{0};
    std::atomic<int> ends_{0};
    std::atomic<long> generation_{0};
    std::atomic<bool> divergent_{false};
    int count_ = 0;

public:
    void reset(int count) {
        count_ = count;
        arrived_ = 0;
        ends_ = 0;
        divergent_ = false;
    }

    bool divergent() const {
        return divergent_.load();
    }

    /** kind 0: __syncthreads(); kind 1: the end of a block. */
    void wait(int kind) {
        if (divergent_.load(std::memory_order_acquire)) {
            return; // results are void now: let every thread run to its end
        }
        long generation = generation_.load(std::memory_order_acquire);
        if (kind == 1) {
            ends_.fetch_add(1, std::memory_order_relaxed);
        }
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == count_) {
            int ends = ends_.exchange(0, std::memory_order_relaxed);
            if (ends != 0 && ends != count_) {
                divergent_.store(true, std::memory_order_release);
            }
            arrived_.store(0, std::memory_order_relaxed);
            generation_.fetch_add(1, std::memory_order_acq_rel);
            generation_.notify_all();
            return;
        }
        while (generation_.load(std::memory_order_acquire) == generation) {
            generation_.wait(generation, std::memory_order_acquire);
        }
    }
};

inline thread_local dim3 thread_index;
inline thread_local dim3 block_index;
inline dim3 block_dim;
inline dim3 grid_dim;
inline Barrier barrier;
inline std::mutex launch_mutex;

/** Runs kernel(args) for every thread of every block; 0, or 1 when a __syncthreads() was divergent. */
inline int launch(dim3 grid, dim3 block, void (*kernel)(void**), void** args) {
    std::lock_guard<std::mutex> serial(launch_mutex);
    grid_dim = grid;
    block_dim = block;
    const int n = (int) (block.x * block.y * block.z);
    barrier.reset(n);
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (int t = 0; t < n; t++) {
        threads.emplace_back([=] {
            thread_index = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
            for (unsigned z = 0; z < grid.z; z++) {
                for (unsigned y = 0; y < grid.y; y++) {
                    for (unsigned x = 0; x < grid.x; x++) {
                        block_index = dim3(x, y, z);
                        kernel(args);
                        barrier.wait(1);
                    }
                }
            }
        });
    }
    for (std::thread& th : threads) {
        th.join();
    }
    return barrier.divergent() ? 1 : 0;
}

}  // namespace kiln_emu

#define threadIdx (kiln_emu::thread_index)
#define blockIdx (kiln_emu::block_index)
#define blockDim (kiln_emu::block_dim)
#define gridDim (kiln_emu::grid_dim)
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define KILN_ENTRY

inline void __syncthreads() {
    kiln_emu::barrier.wait(0);
}

inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long expected, unsigned long long desired) {
    std::atomic_ref<unsigned long long> a(*p);
    a.compare_exchange_strong(expected, desired);
    return expected;
}
