// mock_nccl.cpp: the subset of NCCL that Kiln's runtime binds (dev.kiln.cuda.Nccl), for tests on machines
// without a GPU. Built by the tests (dev.kiln.cuda.mock.MockCuda) into libkilnmocknccl.so; nothing a user
// loads. Real signatures, ncclResult_t codes and ncclDataType_t / ncclRedOp_t values (nccl.h, declared
// here so that the build needs no NCCL headers). One process only: a communicator has one rank, so every
// collective is a copy between the (host-memory, see mock_cuda.cpp) device pointers, made at once (the
// mock's streams are synchronous). A group of several ranks is refused with ncclInvalidUsage, where the
// real library would wait for the other ranks. Checked as NCCL does: null or destroyed communicators,
// unknown data types and operations, null buffers, ranks and roots out of range -> ncclInvalidArgument.
#include <cstring>
#include <mutex>
#include <set>

extern "C" {

typedef enum {
    ncclSuccess = 0,
    ncclUnhandledCudaError = 1,
    ncclSystemError = 2,
    ncclInternalError = 3,
    ncclInvalidArgument = 4,
    ncclInvalidUsage = 5,
    ncclRemoteError = 6,
    ncclInProgress = 7,
} ncclResult_t;

typedef enum {
    ncclInt8 = 0, ncclUint8 = 1, ncclInt32 = 2, ncclUint32 = 3, ncclInt64 = 4, ncclUint64 = 5,
    ncclFloat16 = 6, ncclFloat32 = 7, ncclFloat64 = 8, ncclBfloat16 = 9,
} ncclDataType_t;

typedef enum { ncclSum = 0, ncclProd = 1, ncclMax = 2, ncclMin = 3, ncclAvg = 4 } ncclRedOp_t;

#define NCCL_UNIQUE_ID_BYTES 128
typedef struct {
    char internal[NCCL_UNIQUE_ID_BYTES];
} ncclUniqueId;

struct ncclComm {
    int nranks;
    int rank;
};
typedef ncclComm* ncclComm_t;
typedef void* cudaStream_t;

}  // extern "C"

namespace {

constexpr char kMagic[] = "kiln-mock-nccl";
constexpr int kVersion = 22105;  // 2.21.5, as ncclGetVersion encodes it

std::mutex mu;
std::set<ncclComm*> live;
long long idsMade = 0, inits = 0, destroys = 0, allReduces = 0, broadcasts = 0, allGathers = 0;

/** The bytes of one element, or 0 for a type NCCL does not have. */
size_t elementBytes(int type) {
    switch (type) {
        case ncclInt8: case ncclUint8: return 1;
        case ncclFloat16: case ncclBfloat16: return 2;
        case ncclInt32: case ncclUint32: case ncclFloat32: return 4;
        case ncclInt64: case ncclUint64: case ncclFloat64: return 8;
        default: return 0;
    }
}

bool liveComm(ncclComm_t comm) {
    return comm != nullptr && live.count(comm) != 0;
}

}  // namespace

extern "C" {

ncclResult_t ncclGetVersion(int* version) {
    if (version == nullptr) return ncclInvalidArgument;
    *version = kVersion;
    return ncclSuccess;
}

ncclResult_t ncclGetUniqueId(ncclUniqueId* id) {
    std::lock_guard<std::mutex> lock(mu);
    if (id == nullptr) return ncclInvalidArgument;
    std::memset(id->internal, 0, NCCL_UNIQUE_ID_BYTES);
    std::memcpy(id->internal, kMagic, sizeof kMagic);
    long long n = ++idsMade;
    std::memcpy(id->internal + 64, &n, sizeof n);
    return ncclSuccess;
}

ncclResult_t ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId id, int rank) {
    std::lock_guard<std::mutex> lock(mu);
    if (comm == nullptr || nranks < 1 || rank < 0 || rank >= nranks) return ncclInvalidArgument;
    if (std::memcmp(id.internal, kMagic, sizeof kMagic) != 0) return ncclInvalidArgument;  // not an id ncclGetUniqueId made
    if (nranks > 1) return ncclInvalidUsage;  // one process: the real library would wait for the other ranks
    ncclComm* c = new ncclComm{nranks, rank};
    live.insert(c);
    inits++;
    *comm = c;
    return ncclSuccess;
}

ncclResult_t ncclAllReduce(const void* send, void* recv, size_t count, ncclDataType_t type, ncclRedOp_t op, ncclComm_t comm,
                           cudaStream_t) {
    std::lock_guard<std::mutex> lock(mu);
    size_t bytes = elementBytes(type);
    if (!liveComm(comm) || bytes == 0 || op < ncclSum || op > ncclAvg) return ncclInvalidArgument;
    if (count > 0 && (send == nullptr || recv == nullptr)) return ncclInvalidArgument;
    if (count > 0) std::memmove(recv, send, count * bytes);  // one rank: its sum, mean and max are its values
    allReduces++;
    return ncclSuccess;
}

ncclResult_t ncclBroadcast(const void* send, void* recv, size_t count, ncclDataType_t type, int root, ncclComm_t comm, cudaStream_t) {
    std::lock_guard<std::mutex> lock(mu);
    size_t bytes = elementBytes(type);
    if (!liveComm(comm) || bytes == 0 || root < 0 || root >= comm->nranks) return ncclInvalidArgument;
    if (count > 0 && (send == nullptr || recv == nullptr)) return ncclInvalidArgument;
    if (count > 0) std::memmove(recv, send, count * bytes);
    broadcasts++;
    return ncclSuccess;
}

ncclResult_t ncclAllGather(const void* send, void* recv, size_t sendcount, ncclDataType_t type, ncclComm_t comm, cudaStream_t) {
    std::lock_guard<std::mutex> lock(mu);
    size_t bytes = elementBytes(type);
    if (!liveComm(comm) || bytes == 0) return ncclInvalidArgument;
    if (sendcount > 0 && (send == nullptr || recv == nullptr)) return ncclInvalidArgument;
    if (sendcount > 0) std::memmove(recv, send, sendcount * bytes);  // rank 0's block is the whole result
    allGathers++;
    return ncclSuccess;
}

ncclResult_t ncclCommDestroy(ncclComm_t comm) {
    std::lock_guard<std::mutex> lock(mu);
    if (!liveComm(comm)) return ncclInvalidArgument;
    live.erase(comm);
    delete comm;
    destroys++;
    return ncclSuccess;
}

const char* ncclGetErrorString(ncclResult_t result) {
    switch (result) {
        case ncclSuccess: return "no error";
        case ncclUnhandledCudaError: return "unhandled cuda error (run with NCCL_DEBUG=INFO for details)";
        case ncclSystemError: return "unhandled system error (run with NCCL_DEBUG=INFO for details)";
        case ncclInternalError: return "internal error - please report this issue to the NCCL developers";
        case ncclInvalidArgument: return "invalid argument (run with NCCL_DEBUG=WARN for details)";
        case ncclInvalidUsage: return "invalid usage (run with NCCL_DEBUG=WARN for details)";
        case ncclRemoteError: return "remote process exited or there was a network error";
        case ncclInProgress: return "NCCL operation in progress";
        default: return "unknown result code";
    }
}

/** Test hook: ids made, communicators created and destroyed, all-reduces, broadcasts, all-gathers, live communicators. */
int kilnMockNcclStats(long long* out, int n) {
    std::lock_guard<std::mutex> lock(mu);
    const long long values[] = {idsMade, inits, destroys, allReduces, broadcasts, allGathers, (long long) live.size()};
    int count = n < 7 ? n : 7;
    for (int i = 0; i < count; i++) out[i] = values[i];
    return count;
}

}  // extern "C"
