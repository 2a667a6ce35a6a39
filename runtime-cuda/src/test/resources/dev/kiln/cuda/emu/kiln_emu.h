// kiln_emu.h: Kiln's CUDA execution model on the host, for tests on machines without a GPU.
//
// Generated CUDA C is compiled by g++ with this header in front. A launch runs the grid's blocks
// one after another (so a function-static __shared__ array is the running block's shared memory);
// a block's CUDA threads are fibers (ucontext) of the launching OS thread, each on a stack of its own.
// A fiber runs until it reaches __syncthreads() or the end of the kernel, then the next one runs;
// when all have stopped, a phase is over. Every fiber of a phase must have stopped at the same kind
// of place: a __syncthreads() that some threads skip (divergent, undefined on a GPU) is reported by
// the launch instead of hanging (the rest of the block then runs to its end, __syncthreads() being
// a no-op). Switching fibers costs no OS scheduling, which is what lets whole training steps run
// here. Launches are serialized.
#pragma once
#include <math.h>
#include <setjmp.h>
#include <ucontext.h>
#include <pthread.h>
#include <stdlib.h>
#include <cmath>

struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace kiln_emu {

inline dim3 thread_index;
inline dim3 block_index;
inline dim3 block_dim;
inline dim3 grid_dim;
// C headers only (no <mutex>, <vector>, <memory>): every module the tests compile includes this file, and g++ parses it each time
inline pthread_mutex_t launch_mutex = PTHREAD_MUTEX_INITIALIZER;

/** Where a fiber stopped: still running, at a __syncthreads(), or at the end of the kernel. */
enum class Stop { RUNNING, SYNC, END };

/**
 * The block's fibers and the scheduler they return to; internal linkage, so every library has its own.
 * A fiber is started once (setcontext onto its own stack) and then loops: run the kernel for the
 * current block, stop at its end, and run it again for the next block. Switches are _setjmp/_longjmp
 * pairs, which touch no signal mask (swapcontext makes two system calls per switch).
 */
/** One CUDA thread: its stack, where it stopped, and where it resumes. */
struct Fiber {
    static constexpr size_t STACK = 256 * 1024;
    jmp_buf context;
    ucontext_t start; // not copyable once made (it points into itself): fibers live behind pointers
    char* stack = static_cast<char*>(malloc(STACK));
    Stop stop = Stop::SYNC;
    bool started = false;

    ~Fiber() {
        free(stack);
    }
};

struct Fibers {
    static constexpr int MAX = 1024;
    jmp_buf scheduler;
    Fiber* all[MAX] = {};
    int count = 0;
    int current = 0;
    bool divergent = false;
    void (*kernel)(void**) = nullptr;
    void** args = nullptr;

    void grow(int n);

    ~Fibers() {
        for (int t = 0; t < count; t++) {
            delete all[t];
        }
    }
};

static Fibers fibers;

/** Gives the OS thread back to the scheduler, stopped at {@code why}. */
static void yield(Stop why) {
    Fiber& me = *fibers.all[fibers.current];
    me.stop = why;
    if (!_setjmp(me.context)) {
        _longjmp(fibers.scheduler, 1);
    }
}

static void fiber_main() {
    for (;;) {
        fibers.kernel(fibers.args);
        yield(Stop::END);
    }
}

inline void Fibers::grow(int n) {
    while (count < n) {
        Fiber* f = new Fiber();
        getcontext(&f->start);
        f->start.uc_stack.ss_sp = f->stack;
        f->start.uc_stack.ss_size = Fiber::STACK;
        f->start.uc_link = nullptr; // fiber_main never returns
        makecontext(&f->start, fiber_main, 0);
        all[count++] = f;
    }
}

/** Called by __syncthreads(): gives the OS thread back to the scheduler until the phase is over. */
inline void sync() {
    if (fibers.divergent) {
        return; // results are void now: let every thread run to its end
    }
    yield(Stop::SYNC);
}

static void resume(int t, const dim3& block) {
    Fiber& f = *fibers.all[t];
    fibers.current = t;
    thread_index = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
    f.stop = Stop::RUNNING;
    if (!_setjmp(fibers.scheduler)) {
        if (!f.started) {
            f.started = true;
            setcontext(&f.start);
        }
        _longjmp(f.context, 1);
    }
}

/** Runs one block: fibers phase by phase until every one has ended. */
static void run_block(int n, const dim3& block) {
    for (int t = 0; t < n; t++) {
        fibers.all[t]->stop = Stop::SYNC; // ready for the first phase: at the top of fiber_main's loop
    }
    for (;;) {
        for (int t = 0; t < n; t++) {
            if (fibers.all[t]->stop == Stop::SYNC) {
                resume(t, block);
            }
        }
        int ended = 0;
        for (int t = 0; t < n; t++) {
            ended += fibers.all[t]->stop == Stop::END;
        }
        if (ended == n) {
            return;
        }
        if (ended != 0) {
            fibers.divergent = true; // some ended, some wait at a __syncthreads(): the rest run to their end
        }
    }
}

/** Runs kernel(args) for every thread of every block; 0, or 1 when a __syncthreads() was divergent. */
inline int launch(dim3 grid, dim3 block, void (*kernel)(void**), void** args) {
    pthread_mutex_lock(&launch_mutex);
    grid_dim = grid;
    block_dim = block;
    const int n = (int) (block.x * block.y * block.z);
    fibers.grow(n);
    fibers.kernel = kernel;
    fibers.args = args;
    fibers.divergent = false;
    for (unsigned z = 0; z < grid.z; z++) {
        for (unsigned y = 0; y < grid.y; y++) {
            for (unsigned x = 0; x < grid.x; x++) {
                block_index = dim3(x, y, z);
                run_block(n, block);
            }
        }
    }
    pthread_mutex_unlock(&launch_mutex);
    return fibers.divergent ? 1 : 0;
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
    kiln_emu::sync();
}

inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long expected, unsigned long long desired) {
    // one block's threads are fibers of one OS thread: a plain compare and swap is atomic among them
    const unsigned long long old = *p;
    if (old == expected) {
        *p = desired;
    }
    return old;
}
