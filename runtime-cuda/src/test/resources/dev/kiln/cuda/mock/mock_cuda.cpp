// mock_cuda.cpp: the subset of the CUDA driver API that Kiln's runtime binds, for tests on machines
// without a GPU. Built by the tests (dev.kiln.cuda.mock.MockCuda) into libkilnmockcuda.so; nothing a
// user loads. Real signatures and CUresult codes (cuda.h); device memory is host memory, streams run
// in order as each call is made, a capturing stream records its work into a graph that a graph launch
// replays, and a module is a host shared library made by the mock NVRTC (mock_nvrtc.cpp). The checks a
// driver makes are made here too: initialization, the calling thread's current context, pointer ranges
// against live allocations, a memory limit, launch geometry, capture rules, sticky launch failures.
#include <cuda.h>
#include <dlfcn.h>
#include <elf.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

struct CUctx_st {
    int device;
};

namespace {

using Launcher = int (*)(unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void**);
using ArgSizes = int (*)(unsigned long long*, int);

constexpr size_t kDefaultLimit = size_t(1) << 30;
constexpr int kDeviceSm = 90;  // compute capability 9.0, as an H100
constexpr size_t kAlignment = 256;
constexpr unsigned kMaxSharedPerBlock = 48 * 1024;

}  // namespace

struct CUmod_st;

struct CUfunc_st {
    CUmod_st* module;
    std::string name;
    Launcher launch;
    std::vector<unsigned long long> sizes;  // each parameter's bytes, for copying arguments at record time
};

struct CUmod_st {
    void* library;
    std::vector<std::unique_ptr<CUfunc_st>> functions;
};

namespace {

/** One recorded operation: a kernel launch with its argument bytes, a copy or a memset. */
struct Node {
    enum Kind { KERNEL, HTOD, DTOH, DTOD, MEMSET } kind;
    CUfunction function = nullptr;
    unsigned grid[3] = {1, 1, 1};
    unsigned block[3] = {1, 1, 1};
    std::vector<unsigned char> args;
    std::vector<size_t> offsets;
    void* dst = nullptr;
    const void* src = nullptr;
    size_t bytes = 0;
    unsigned char value = 0;
};

}  // namespace

struct CUgraph_st {
    std::vector<Node> nodes;
};

struct CUgraphExec_st {
    std::vector<Node> nodes;
};

struct CUstream_st {
    unsigned flags;
    bool capturing = false;
    bool invalidated = false;
    CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_GLOBAL;
    std::thread::id thread;
    std::unique_ptr<CUgraph_st> capture;
};

namespace {

struct Stats {
    long long allocs = 0, frees = 0, kernels = 0, graphLaunches = 0, modules = 0, memcpys = 0;
};

/** The whole driver's state, behind one mutex. */
struct State {
    bool initialized = false;
    int primaryRefs = 0;
    long epoch = 1;  // bumped by kilnMockReset: contexts made current before it are gone
    CUresult sticky = CUDA_SUCCESS;
    CUresult failNext = CUDA_SUCCESS;
    size_t limit = kDefaultLimit;
    size_t live = 0;
    std::map<uintptr_t, size_t> allocations;
    std::set<CUstream> streams;
    std::set<CUmodule> modules;
    std::set<CUfunction> functions;
    std::set<CUgraph> graphs;
    std::set<CUgraphExec> execs;
    Stats stats;
};

std::mutex mu;
State st;
CUctx_st primary{0};
thread_local CUcontext current = nullptr;
thread_local long currentEpoch = 0;

struct ErrorName {
    CUresult code;
    const char* name;
};

#define E(x) {x, #x}
const ErrorName kNames[] = {
    E(CUDA_SUCCESS), E(CUDA_ERROR_INVALID_VALUE), E(CUDA_ERROR_OUT_OF_MEMORY), E(CUDA_ERROR_NOT_INITIALIZED),
    E(CUDA_ERROR_DEINITIALIZED), E(CUDA_ERROR_PROFILER_DISABLED), E(CUDA_ERROR_PROFILER_NOT_INITIALIZED),
    E(CUDA_ERROR_PROFILER_ALREADY_STARTED), E(CUDA_ERROR_PROFILER_ALREADY_STOPPED), E(CUDA_ERROR_STUB_LIBRARY),
    E(CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER), E(CUDA_ERROR_DEVICE_UNAVAILABLE), E(CUDA_ERROR_NO_DEVICE),
    E(CUDA_ERROR_INVALID_DEVICE), E(CUDA_ERROR_DEVICE_NOT_LICENSED), E(CUDA_ERROR_INVALID_IMAGE),
    E(CUDA_ERROR_INVALID_CONTEXT), E(CUDA_ERROR_CONTEXT_ALREADY_CURRENT), E(CUDA_ERROR_MAP_FAILED),
    E(CUDA_ERROR_UNMAP_FAILED), E(CUDA_ERROR_ARRAY_IS_MAPPED), E(CUDA_ERROR_ALREADY_MAPPED),
    E(CUDA_ERROR_NO_BINARY_FOR_GPU), E(CUDA_ERROR_ALREADY_ACQUIRED), E(CUDA_ERROR_NOT_MAPPED),
    E(CUDA_ERROR_NOT_MAPPED_AS_ARRAY), E(CUDA_ERROR_NOT_MAPPED_AS_POINTER), E(CUDA_ERROR_ECC_UNCORRECTABLE),
    E(CUDA_ERROR_UNSUPPORTED_LIMIT), E(CUDA_ERROR_CONTEXT_ALREADY_IN_USE), E(CUDA_ERROR_PEER_ACCESS_UNSUPPORTED),
    E(CUDA_ERROR_INVALID_PTX), E(CUDA_ERROR_INVALID_GRAPHICS_CONTEXT), E(CUDA_ERROR_NVLINK_UNCORRECTABLE),
    E(CUDA_ERROR_JIT_COMPILER_NOT_FOUND), E(CUDA_ERROR_UNSUPPORTED_PTX_VERSION),
    E(CUDA_ERROR_JIT_COMPILATION_DISABLED), E(CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY),
    E(CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC), E(CUDA_ERROR_CONTAINED), E(CUDA_ERROR_INVALID_SOURCE),
    E(CUDA_ERROR_FILE_NOT_FOUND), E(CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND),
    E(CUDA_ERROR_SHARED_OBJECT_INIT_FAILED), E(CUDA_ERROR_OPERATING_SYSTEM), E(CUDA_ERROR_INVALID_HANDLE),
    E(CUDA_ERROR_ILLEGAL_STATE), E(CUDA_ERROR_LOSSY_QUERY), E(CUDA_ERROR_NOT_FOUND), E(CUDA_ERROR_NOT_READY),
    E(CUDA_ERROR_ILLEGAL_ADDRESS), E(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES), E(CUDA_ERROR_LAUNCH_TIMEOUT),
    E(CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING), E(CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED),
    E(CUDA_ERROR_PEER_ACCESS_NOT_ENABLED), E(CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE),
    E(CUDA_ERROR_CONTEXT_IS_DESTROYED), E(CUDA_ERROR_ASSERT), E(CUDA_ERROR_TOO_MANY_PEERS),
    E(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED), E(CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED),
    E(CUDA_ERROR_HARDWARE_STACK_ERROR), E(CUDA_ERROR_ILLEGAL_INSTRUCTION), E(CUDA_ERROR_MISALIGNED_ADDRESS),
    E(CUDA_ERROR_INVALID_ADDRESS_SPACE), E(CUDA_ERROR_INVALID_PC), E(CUDA_ERROR_LAUNCH_FAILED),
    E(CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE), E(CUDA_ERROR_TENSOR_MEMORY_LEAK), E(CUDA_ERROR_NOT_PERMITTED),
    E(CUDA_ERROR_NOT_SUPPORTED), E(CUDA_ERROR_SYSTEM_NOT_READY), E(CUDA_ERROR_SYSTEM_DRIVER_MISMATCH),
    E(CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE), E(CUDA_ERROR_MPS_CONNECTION_FAILED),
    E(CUDA_ERROR_MPS_RPC_FAILURE), E(CUDA_ERROR_MPS_SERVER_NOT_READY), E(CUDA_ERROR_MPS_MAX_CLIENTS_REACHED),
    E(CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED), E(CUDA_ERROR_MPS_CLIENT_TERMINATED),
    E(CUDA_ERROR_CDP_NOT_SUPPORTED), E(CUDA_ERROR_CDP_VERSION_MISMATCH), E(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED),
    E(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED), E(CUDA_ERROR_STREAM_CAPTURE_MERGE),
    E(CUDA_ERROR_STREAM_CAPTURE_UNMATCHED), E(CUDA_ERROR_STREAM_CAPTURE_UNJOINED),
    E(CUDA_ERROR_STREAM_CAPTURE_ISOLATION), E(CUDA_ERROR_STREAM_CAPTURE_IMPLICIT), E(CUDA_ERROR_CAPTURED_EVENT),
    E(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD), E(CUDA_ERROR_TIMEOUT), E(CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE),
    E(CUDA_ERROR_EXTERNAL_DEVICE), E(CUDA_ERROR_INVALID_CLUSTER_SIZE), E(CUDA_ERROR_FUNCTION_NOT_LOADED),
    E(CUDA_ERROR_INVALID_RESOURCE_TYPE), E(CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION), E(CUDA_ERROR_KEY_ROTATION),
    E(CUDA_ERROR_UNKNOWN)
};
#undef E

/** cuGetErrorString's text for the codes the mock returns (the real driver's words). */
const ErrorName kDescriptions[] = {
    {CUDA_SUCCESS, "no error"},
    {CUDA_ERROR_INVALID_VALUE, "invalid argument"},
    {CUDA_ERROR_OUT_OF_MEMORY, "out of memory"},
    {CUDA_ERROR_NOT_INITIALIZED, "initialization error"},
    {CUDA_ERROR_INVALID_DEVICE, "invalid device ordinal"},
    {CUDA_ERROR_INVALID_IMAGE, "device kernel image is invalid"},
    {CUDA_ERROR_INVALID_CONTEXT, "invalid device context"},
    {CUDA_ERROR_NO_BINARY_FOR_GPU, "no kernel image is available for execution on the device"},
    {CUDA_ERROR_INVALID_HANDLE, "invalid resource handle"},
    {CUDA_ERROR_ILLEGAL_STATE, "the operation cannot be performed in the present state"},
    {CUDA_ERROR_NOT_FOUND, "named symbol not found"},
    {CUDA_ERROR_ILLEGAL_ADDRESS, "an illegal memory access was encountered"},
    {CUDA_ERROR_CONTEXT_IS_DESTROYED, "context is destroyed"},
    {CUDA_ERROR_LAUNCH_FAILED, "unspecified launch failure"},
    {CUDA_ERROR_NOT_SUPPORTED, "operation not supported"},
    {CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "operation not permitted when stream is capturing"},
    {CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "operation failed due to a previous error during capture"},
    {CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, "operation would make the legacy stream depend on a capturing blocking stream"},
    {CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "attempt to terminate a thread-local capture sequence from another thread"},
    {CUDA_ERROR_UNKNOWN, "unknown error"},
};

const char* nameOf(CUresult e) {
    for (const ErrorName& n : kNames) {
        if (n.code == e) return n.name;
    }
    return nullptr;
}

/** Errors after which the context is unusable, as on a GPU. */
bool isSticky(int e) {
    return e == CUDA_ERROR_ILLEGAL_ADDRESS || e == CUDA_ERROR_LAUNCH_TIMEOUT || e == CUDA_ERROR_ASSERT ||
           (e >= CUDA_ERROR_HARDWARE_STACK_ERROR && e <= CUDA_ERROR_LAUNCH_FAILED);
}

/** The checks every context-bound call makes: initialized, a live current context, no sticky error. */
CUresult ready() {
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (current == nullptr || currentEpoch != st.epoch) return CUDA_ERROR_INVALID_CONTEXT;
    if (st.primaryRefs == 0) return CUDA_ERROR_CONTEXT_IS_DESTROYED;
    return st.sticky;
}

/** Whether [p, p + n) lies inside one live allocation. */
bool inside(uintptr_t p, size_t n) {
    auto it = st.allocations.upper_bound(p);
    if (it == st.allocations.begin()) return false;
    --it;
    return p >= it->first && n <= it->second && p - it->first <= it->second - n;
}

/** The stream behind a handle: nullptr for the NULL / legacy / per-thread stream. */
CUresult streamOf(CUstream h, CUstream* out) {
    *out = nullptr;
    if (h == nullptr || h == CU_STREAM_LEGACY || h == CU_STREAM_PER_THREAD) return CUDA_SUCCESS;
    if (!st.streams.count(h)) return CUDA_ERROR_INVALID_HANDLE;
    *out = h;
    return CUDA_SUCCESS;
}

bool isLegacy(CUstream h) {
    return h == nullptr || h == CU_STREAM_LEGACY;
}

/**
 * A call that global capture mode forbids (allocation, free, synchronous copies): refused, and the
 * capture that forbids it is invalidated, while a stream captures in global mode, or in thread-local
 * mode on this thread.
 */
CUresult unsafeCall() {
    CUresult rc = CUDA_SUCCESS;
    for (CUstream s : st.streams) {
        if (s->capturing && (s->mode == CU_STREAM_CAPTURE_MODE_GLOBAL ||
                             (s->mode == CU_STREAM_CAPTURE_MODE_THREAD_LOCAL && s->thread == std::this_thread::get_id()))) {
            s->invalidated = true;
            rc = CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
        }
    }
    return rc;
}

/** Work on the legacy stream waits for every blocking stream: not allowed while one captures. */
CUresult legacyJoin(CUstream h) {
    if (!isLegacy(h)) return CUDA_SUCCESS;
    CUresult rc = CUDA_SUCCESS;
    for (CUstream s : st.streams) {
        if (s->capturing && !(s->flags & CU_STREAM_NON_BLOCKING)) {
            s->invalidated = true;
            rc = CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
        }
    }
    return rc;
}

/** Runs one operation now. A failed kernel makes the context sticky; a replayed copy into freed memory is an illegal address. */
CUresult run(const Node& n) {
    switch (n.kind) {
        case Node::KERNEL: {
            if (!st.functions.count(n.function)) return CUDA_ERROR_INVALID_HANDLE;  // its module was unloaded
            std::vector<unsigned char> bytes(n.args);  // the kernel may not change what a replay passes next time
            std::vector<void*> ptrs(n.offsets.size());
            for (size_t i = 0; i < ptrs.size(); i++) ptrs[i] = bytes.data() + n.offsets[i];
            st.stats.kernels++;
            int rc = n.function->launch(n.grid[0], n.grid[1], n.grid[2], n.block[0], n.block[1], n.block[2], ptrs.data());
            if (rc != 0) {
                st.sticky = CUDA_ERROR_LAUNCH_FAILED;
                return st.sticky;
            }
            return CUDA_SUCCESS;
        }
        case Node::HTOD:
        case Node::DTOH:
        case Node::DTOD: {
            bool ok = (n.kind == Node::DTOH || inside((uintptr_t) n.dst, n.bytes)) &&
                      (n.kind == Node::HTOD || inside((uintptr_t) n.src, n.bytes));
            if (!ok) {
                st.sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
                return st.sticky;
            }
            st.stats.memcpys++;
            memmove(n.dst, n.src, n.bytes);
            return CUDA_SUCCESS;
        }
        case Node::MEMSET:
            if (!inside((uintptr_t) n.dst, n.bytes)) {
                st.sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
                return st.sticky;
            }
            memset(n.dst, n.value, n.bytes);
            return CUDA_SUCCESS;
    }
    return CUDA_ERROR_UNKNOWN;
}

/** Records the node on a capturing stream, else runs it (streams are synchronous). */
CUresult submit(CUstream h, Node&& n) {
    CUstream s;
    CUresult rc = streamOf(h, &s);
    if (rc != CUDA_SUCCESS) return rc;
    if (s != nullptr && s->capturing) {
        if (s->invalidated) return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
        s->capture->nodes.push_back(std::move(n));
        return CUDA_SUCCESS;
    }
    rc = legacyJoin(h);
    if (rc != CUDA_SUCCESS) return rc;
    return run(n);
}

Node copy(Node::Kind kind, void* dst, const void* src, size_t bytes) {
    Node n;
    n.kind = kind;
    n.dst = dst;
    n.src = src;
    n.bytes = bytes;
    return n;
}

/** Checks a copy's device ranges and host pointers. */
CUresult checkCopy(const Node& n) {
    if (n.kind != Node::DTOH && !inside((uintptr_t) n.dst, n.bytes)) return CUDA_ERROR_INVALID_VALUE;
    if (n.kind != Node::HTOD && !inside((uintptr_t) n.src, n.bytes)) return CUDA_ERROR_INVALID_VALUE;
    if ((n.kind == Node::DTOH && n.dst == nullptr) || (n.kind == Node::HTOD && n.src == nullptr)) return CUDA_ERROR_INVALID_VALUE;
    return CUDA_SUCCESS;
}

CUresult syncCopy(Node::Kind kind, void* dst, const void* src, size_t bytes) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc == CUDA_SUCCESS) rc = unsafeCall();
    if (rc != CUDA_SUCCESS || bytes == 0) return rc;
    Node n = copy(kind, dst, src, bytes);
    rc = checkCopy(n);
    if (rc != CUDA_SUCCESS) return rc;
    return submit(nullptr, std::move(n));
}

CUresult asyncCopy(Node::Kind kind, void* dst, const void* src, size_t bytes, CUstream stream) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS || bytes == 0) return rc;
    Node n = copy(kind, dst, src, bytes);
    rc = checkCopy(n);
    if (rc != CUDA_SUCCESS) return rc;
    return submit(stream, std::move(n));
}

void unloadModule(CUmodule m) {
    for (auto& f : m->functions) st.functions.erase(f.get());
    dlclose(m->library);
    st.modules.erase(m);
    delete m;
}

/** Frees everything the context owns. */
void destroyContext() {
    for (auto& a : st.allocations) free((void*) a.first);
    st.allocations.clear();
    st.live = 0;
    for (CUstream s : st.streams) delete s;
    st.streams.clear();
    while (!st.modules.empty()) unloadModule(*st.modules.begin());
    for (CUgraph g : st.graphs) delete g;
    st.graphs.clear();
    for (CUgraphExec g : st.execs) delete g;
    st.execs.clear();
}

/** The size of an x86-64 ELF image: the end of its section header table or of its last segment. */
size_t elfSize(const unsigned char* image) {
    Elf64_Ehdr h;
    memcpy(&h, image, sizeof h);
    size_t end = h.e_shoff + (size_t) h.e_shnum * h.e_shentsize;
    for (int i = 0; i < h.e_phnum; i++) {
        Elf64_Phdr p;
        memcpy(&p, image + h.e_phoff + (size_t) i * h.e_phentsize, sizeof p);
        end = std::max<size_t>(end, p.p_offset + p.p_filesz);
    }
    return std::max<size_t>(end, sizeof h);
}

}  // namespace

extern "C" {

CUresult cuInit(unsigned int flags) {
    std::lock_guard<std::mutex> lock(mu);
    if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
    st.initialized = true;
    return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* version) {
    if (version == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *version = CUDA_VERSION;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* count) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (count == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *count = 1;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* device, int ordinal) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (device == nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *device = 0;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice dev) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (name == nullptr || len <= 0) return CUDA_ERROR_INVALID_VALUE;
    const char* text = "Kiln mock GPU (host emulator)";
    size_t n = std::min(strlen(text), (size_t) len - 1);
    memcpy(name, text, n);
    name[n] = '\0';
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* value, CUdevice_attribute attribute, CUdevice dev) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (value == nullptr) return CUDA_ERROR_INVALID_VALUE;
    switch (attribute) {
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *value = kDeviceSm / 10; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *value = kDeviceSm % 10; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = 132; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *value = 1024; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: *value = 1024; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: *value = 1024; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: *value = 64; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: *value = 2147483647; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: *value = 65535; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: *value = 65535; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *value = (int) kMaxSharedPerBlock; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *value = 32; return CUDA_SUCCESS;
        default: return CUDA_ERROR_INVALID_VALUE;
    }
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice dev) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (bytes == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *bytes = st.limit;
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice dev) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (ctx == nullptr) return CUDA_ERROR_INVALID_VALUE;
    st.primaryRefs++;
    *ctx = &primary;
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (st.primaryRefs == 0) return CUDA_ERROR_INVALID_CONTEXT;
    if (--st.primaryRefs == 0) destroyContext();
    return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext ctx) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (ctx != nullptr && ctx != &primary) return CUDA_ERROR_INVALID_CONTEXT;
    current = ctx;
    currentEpoch = st.epoch;
    return CUDA_SUCCESS;
}

CUresult cuCtxGetCurrent(CUcontext* ctx) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (ctx == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *ctx = currentEpoch == st.epoch ? current : nullptr;
    return CUDA_SUCCESS;
}

CUresult cuCtxSynchronize(void) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    for (CUstream s : st.streams) {
        if (s->capturing) {  // illegal in every capture mode
            s->invalidated = true;
            rc = CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
        }
    }
    return rc;
}

CUresult cuMemAlloc_v2(CUdeviceptr* dptr, size_t bytes) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc == CUDA_SUCCESS) rc = unsafeCall();
    if (rc != CUDA_SUCCESS) return rc;
    if (dptr == nullptr || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (bytes > st.limit - st.live) return CUDA_ERROR_OUT_OF_MEMORY;
    size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    void* p = aligned_alloc(kAlignment, rounded);
    if (p == nullptr) return CUDA_ERROR_OUT_OF_MEMORY;
    st.allocations[(uintptr_t) p] = bytes;
    st.live += bytes;
    st.stats.allocs++;
    *dptr = (CUdeviceptr) (uintptr_t) p;
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr dptr) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc == CUDA_SUCCESS) rc = unsafeCall();
    if (rc != CUDA_SUCCESS) return rc;
    auto it = st.allocations.find((uintptr_t) dptr);
    if (it == st.allocations.end()) return CUDA_ERROR_INVALID_VALUE;
    st.live -= it->second;
    free((void*) it->first);
    st.allocations.erase(it);
    st.stats.frees++;
    return CUDA_SUCCESS;
}

CUresult cuMemGetInfo_v2(size_t* freeBytes, size_t* totalBytes) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (freeBytes == nullptr || totalBytes == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *freeBytes = st.limit - std::min(st.limit, st.live);
    *totalBytes = st.limit;
    return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes) {
    return syncCopy(Node::HTOD, (void*) (uintptr_t) dst, src, bytes);
}

CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes) {
    return syncCopy(Node::DTOH, dst, (const void*) (uintptr_t) src, bytes);
}

CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
    return syncCopy(Node::DTOD, (void*) (uintptr_t) dst, (const void*) (uintptr_t) src, bytes);
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, CUstream stream) {
    return asyncCopy(Node::HTOD, (void*) (uintptr_t) dst, src, bytes, stream);
}

CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, CUstream stream) {
    return asyncCopy(Node::DTOH, dst, (const void*) (uintptr_t) src, bytes, stream);
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream) {
    return asyncCopy(Node::DTOD, (void*) (uintptr_t) dst, (const void*) (uintptr_t) src, bytes, stream);
}

static CUresult memsetOn(CUdeviceptr dst, unsigned char value, size_t bytes, CUstream stream, bool sync) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc == CUDA_SUCCESS && sync) rc = unsafeCall();
    if (rc != CUDA_SUCCESS || bytes == 0) return rc;
    if (!inside((uintptr_t) dst, bytes)) return CUDA_ERROR_INVALID_VALUE;
    Node n;
    n.kind = Node::MEMSET;
    n.dst = (void*) (uintptr_t) dst;
    n.bytes = bytes;
    n.value = value;
    return submit(stream, std::move(n));
}

CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value, size_t bytes) {
    return memsetOn(dst, value, bytes, nullptr, true);
}

CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value, size_t bytes, CUstream stream) {
    return memsetOn(dst, value, bytes, stream, false);
}

CUresult cuStreamCreate(CUstream* stream, unsigned int flags) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (stream == nullptr || (flags & ~(unsigned) CU_STREAM_NON_BLOCKING) != 0) return CUDA_ERROR_INVALID_VALUE;
    CUstream s = new CUstream_st();
    s->flags = flags;
    st.streams.insert(s);
    *stream = s;
    return CUDA_SUCCESS;
}

CUresult cuStreamDestroy_v2(CUstream stream) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (!st.streams.count(stream)) return CUDA_ERROR_INVALID_HANDLE;
    st.streams.erase(stream);
    delete stream;
    return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream stream) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    CUstream s;
    rc = streamOf(stream, &s);
    if (rc != CUDA_SUCCESS) return rc;
    if (s != nullptr && s->capturing) {
        s->invalidated = true;
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    return s == nullptr ? unsafeCall() : CUDA_SUCCESS;
}

CUresult cuModuleLoadData(CUmodule* module, const void* image) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (module == nullptr || image == nullptr) return CUDA_ERROR_INVALID_VALUE;
    const unsigned char* bytes = static_cast<const unsigned char*>(image);
    if (memcmp(bytes, ELFMAG, SELFMAG) != 0) return CUDA_ERROR_INVALID_IMAGE;  // PTX text, or not a module at all
    uint16_t machine;
    memcpy(&machine, bytes + 18, sizeof machine);  // e_machine: the same offset in ELF32 and ELF64
    if (machine == EM_CUDA) return CUDA_ERROR_NO_BINARY_FOR_GPU;  // a real cubin: no GPU here to run it
    if (machine != EM_X86_64 || bytes[EI_CLASS] != ELFCLASS64) return CUDA_ERROR_INVALID_IMAGE;
    char path[] = "/tmp/kiln-mock-module-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return CUDA_ERROR_OUT_OF_MEMORY;
    size_t size = elfSize(bytes);
    bool written = write(fd, bytes, size) == (ssize_t) size;
    close(fd);
    void* library = written ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : nullptr;
    unlink(path);
    if (library == nullptr) return CUDA_ERROR_INVALID_IMAGE;
    const int* sm = static_cast<const int*>(dlsym(library, "kiln_mock_sm"));
    if (sm == nullptr) {
        dlclose(library);
        return CUDA_ERROR_INVALID_IMAGE;  // a host library, but not one the mock NVRTC made
    }
    if (*sm / 10 != kDeviceSm / 10 || *sm % 10 > kDeviceSm % 10) {
        dlclose(library);
        return CUDA_ERROR_NO_BINARY_FOR_GPU;  // a cubin runs on its own major version, at or above its minor
    }
    CUmodule m = new CUmod_st{library, {}};
    st.modules.insert(m);
    st.stats.modules++;
    *module = m;
    return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule module) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (!st.modules.count(module)) return CUDA_ERROR_INVALID_HANDLE;
    unloadModule(module);
    return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (function == nullptr || name == nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (!st.modules.count(module)) return CUDA_ERROR_INVALID_HANDLE;
    for (auto& f : module->functions) {
        if (f->name == name) {
            *function = f.get();
            return CUDA_SUCCESS;
        }
    }
    std::string entry(name);
    auto launch = reinterpret_cast<Launcher>(dlsym(module->library, ("kiln_launch_" + entry).c_str()));
    auto sizes = reinterpret_cast<ArgSizes>(dlsym(module->library, ("kiln_argsizes_" + entry).c_str()));
    if (launch == nullptr || sizes == nullptr) return CUDA_ERROR_NOT_FOUND;
    auto f = std::make_unique<CUfunc_st>();
    f->module = module;
    f->name = entry;
    f->launch = launch;
    f->sizes.resize(64);
    int n = sizes(f->sizes.data(), (int) f->sizes.size());
    if (n > (int) f->sizes.size()) {
        f->sizes.resize(n);
        sizes(f->sizes.data(), n);
    }
    f->sizes.resize(n);
    *function = f.get();
    st.functions.insert(f.get());
    module->functions.push_back(std::move(f));
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
                        unsigned int bz, unsigned int sharedMemBytes, CUstream stream, void** kernelParams, void** extra) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (!st.functions.count(f)) return CUDA_ERROR_INVALID_HANDLE;
    if (st.failNext != CUDA_SUCCESS) {
        rc = st.failNext;
        st.failNext = CUDA_SUCCESS;
        if (isSticky(rc)) st.sticky = rc;
        return rc;
    }
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0) return CUDA_ERROR_INVALID_VALUE;
    if (bx > 1024 || by > 1024 || bz > 64 || (unsigned long long) bx * by * bz > 1024) return CUDA_ERROR_INVALID_VALUE;
    if (gx > 2147483647u || gy > 65535 || gz > 65535 || sharedMemBytes > kMaxSharedPerBlock) return CUDA_ERROR_INVALID_VALUE;
    if (kernelParams != nullptr && extra != nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (extra != nullptr) return CUDA_ERROR_NOT_SUPPORTED;  // the mock takes arguments through kernelParams only
    if (kernelParams == nullptr && !f->sizes.empty()) return CUDA_ERROR_INVALID_VALUE;
    Node n;
    n.kind = Node::KERNEL;
    n.function = f;
    unsigned dims[6] = {gx, gy, gz, bx, by, bz};
    memcpy(n.grid, dims, sizeof n.grid);
    memcpy(n.block, dims + 3, sizeof n.block);
    size_t at = 0;
    for (unsigned long long size : f->sizes) {
        n.offsets.push_back(at);
        at += (size + 15) / 16 * 16;  // each argument 16-byte aligned, as a struct by value needs
    }
    n.args.resize(at);
    for (size_t i = 0; i < f->sizes.size(); i++) {
        if (kernelParams[i] == nullptr) return CUDA_ERROR_INVALID_VALUE;
        memcpy(n.args.data() + n.offsets[i], kernelParams[i], f->sizes[i]);
    }
    return submit(stream, std::move(n));
}

CUresult cuStreamBeginCapture_v2(CUstream stream, CUstreamCaptureMode mode) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL && mode != CU_STREAM_CAPTURE_MODE_RELAXED) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    CUstream s;
    rc = streamOf(stream, &s);
    if (rc != CUDA_SUCCESS) return rc;
    if (s == nullptr) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;  // the NULL stream cannot be captured
    if (s->capturing) return CUDA_ERROR_ILLEGAL_STATE;
    s->capturing = true;
    s->invalidated = false;
    s->mode = mode;
    s->thread = std::this_thread::get_id();
    s->capture = std::make_unique<CUgraph_st>();
    return CUDA_SUCCESS;
}

CUresult cuStreamEndCapture(CUstream stream, CUgraph* graph) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (graph == nullptr) return CUDA_ERROR_INVALID_VALUE;
    CUstream s;
    rc = streamOf(stream, &s);
    if (rc != CUDA_SUCCESS) return rc;
    if (s == nullptr || !s->capturing) return CUDA_ERROR_ILLEGAL_STATE;
    if (s->mode != CU_STREAM_CAPTURE_MODE_RELAXED && s->thread != std::this_thread::get_id()) {
        return CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
    }
    s->capturing = false;
    std::unique_ptr<CUgraph_st> g = std::move(s->capture);
    if (s->invalidated) {
        *graph = nullptr;
        return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
    }
    *graph = g.release();
    st.graphs.insert(*graph);
    return CUDA_SUCCESS;
}

CUresult cuGraphInstantiateWithFlags(CUgraphExec* exec, CUgraph graph, unsigned long long flags) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (exec == nullptr || graph == nullptr || (flags & ~15ull) != 0) return CUDA_ERROR_INVALID_VALUE;
    if (!st.graphs.count(graph)) return CUDA_ERROR_INVALID_HANDLE;
    CUgraphExec e = new CUgraphExec_st{graph->nodes};
    st.execs.insert(e);
    *exec = e;
    return CUDA_SUCCESS;
}

CUresult cuGraphLaunch(CUgraphExec exec, CUstream stream) {
    std::lock_guard<std::mutex> lock(mu);
    CUresult rc = ready();
    if (rc != CUDA_SUCCESS) return rc;
    if (!st.execs.count(exec)) return CUDA_ERROR_INVALID_HANDLE;
    CUstream s;
    rc = streamOf(stream, &s);
    if (rc != CUDA_SUCCESS) return rc;
    if (s != nullptr && s->capturing) {  // captured into the capturing stream's graph, node by node
        if (s->invalidated) return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
        s->capture->nodes.insert(s->capture->nodes.end(), exec->nodes.begin(), exec->nodes.end());
        return CUDA_SUCCESS;
    }
    rc = legacyJoin(stream);
    if (rc != CUDA_SUCCESS) return rc;
    st.stats.graphLaunches++;
    for (const Node& n : exec->nodes) {
        rc = run(n);
        if (rc != CUDA_SUCCESS) return rc;
    }
    return CUDA_SUCCESS;
}

CUresult cuGraphExecDestroy(CUgraphExec exec) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (!st.execs.count(exec)) return CUDA_ERROR_INVALID_HANDLE;
    st.execs.erase(exec);
    delete exec;
    return CUDA_SUCCESS;
}

CUresult cuGraphDestroy(CUgraph graph) {
    std::lock_guard<std::mutex> lock(mu);
    if (!st.initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (!st.graphs.count(graph)) return CUDA_ERROR_INVALID_HANDLE;
    st.graphs.erase(graph);
    delete graph;
    return CUDA_SUCCESS;
}

CUresult cuGetErrorName(CUresult error, const char** text) {
    if (text == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *text = nameOf(error);
    return *text == nullptr ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

CUresult cuGetErrorString(CUresult error, const char** text) {
    if (text == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *text = nameOf(error);
    if (*text == nullptr) return CUDA_ERROR_INVALID_VALUE;
    for (const ErrorName& d : kDescriptions) {
        if (d.code == error) *text = d.name;
    }
    return CUDA_SUCCESS;
}

// ---- test hooks ----

/** Back to a freshly loaded driver: everything freed, not initialized, no context current anywhere, no failures, default limit. */
void kilnMockReset(void) {
    std::lock_guard<std::mutex> lock(mu);
    destroyContext();
    st.initialized = false;
    st.primaryRefs = 0;
    st.epoch++;
    st.sticky = CUDA_SUCCESS;
    st.failNext = CUDA_SUCCESS;
    st.limit = kDefaultLimit;
    st.stats = Stats();
}

void kilnMockSetMemoryLimit(size_t bytes) {
    std::lock_guard<std::mutex> lock(mu);
    st.limit = bytes;
}

/** The next cuLaunchKernel returns this code without running; a sticky code fails the context from then on. */
void kilnMockFailNextLaunch(int code) {
    std::lock_guard<std::mutex> lock(mu);
    st.failNext = (CUresult) code;
}

/** Allocations, frees, live bytes, kernels run (direct and replayed), graph launches, modules loaded, copies run: as many as fit in n. */
int kilnMockStats(long long* out, int n) {
    std::lock_guard<std::mutex> lock(mu);
    const long long values[] = {st.stats.allocs, st.stats.frees, (long long) st.live, st.stats.kernels,
                                st.stats.graphLaunches, st.stats.modules, st.stats.memcpys};
    int count = std::min(n, (int) (sizeof values / sizeof values[0]));
    for (int i = 0; i < count; i++) out[i] = values[i];
    return count;
}

}  // extern "C"
