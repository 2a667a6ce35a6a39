// mock_nvrtc.cpp: the subset of NVRTC that Kiln's runtime binds, for tests on machines without a GPU.
// Built by the tests (dev.kiln.cuda.mock.MockCuda) into libkilnmocknvrtc.so; nothing a user loads.
// "Compiling" a program compiles its CUDA C for the host with g++ and Kiln's kiln_emu.h in front
// (the directory is baked in as KILN_MOCK_EMU_DIR), with a launcher per extern "C" entry that takes
// its arguments as cuLaunchKernel does; the "CUBIN" is the shared library's bytes, which the mock
// driver's cuModuleLoadData loads. No nvrtc.h exists on such machines: the types below follow NVRTC's ABI.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#ifndef KILN_MOCK_EMU_DIR
#error "KILN_MOCK_EMU_DIR (the directory of kiln_emu.h) must be defined"
#endif

extern "C" {
typedef struct _nvrtcProgram* nvrtcProgram;
typedef enum {
    NVRTC_SUCCESS = 0,
    NVRTC_ERROR_OUT_OF_MEMORY = 1,
    NVRTC_ERROR_PROGRAM_CREATION_FAILURE = 2,
    NVRTC_ERROR_INVALID_INPUT = 3,
    NVRTC_ERROR_INVALID_PROGRAM = 4,
    NVRTC_ERROR_INVALID_OPTION = 5,
    NVRTC_ERROR_COMPILATION = 6,
    NVRTC_ERROR_BUILTIN_OPERATION_FAILURE = 7,
    NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION = 8,
    NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION = 9,
    NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID = 10,
    NVRTC_ERROR_INTERNAL_ERROR = 11,
    NVRTC_ERROR_TIME_FILE_WRITE_FAILED = 12,
    NVRTC_ERROR_NO_PCH_CREATE_ATTEMPTED = 13,
    NVRTC_ERROR_PCH_CREATE_HEAP_EXHAUSTED = 14,
    NVRTC_ERROR_PCH_CREATE = 15,
    NVRTC_ERROR_CANCELLED = 16,
    NVRTC_ERROR_TIME_TRACE_FILE_WRITE_FAILED = 17
} nvrtcResult;
}

extern char** environ;

struct _nvrtcProgram {
    std::string source;
    std::string name;
    std::vector<std::pair<std::string, std::string>> headers;  // include name, text
    std::string log;
    std::vector<char> cubin;
    bool compiled = false;
};

namespace {

std::mutex mu;
std::set<nvrtcProgram> programs;
long long compiles = 0;
long long compileNanos = 0;

const char* const kNames[] = {
    "NVRTC_SUCCESS", "NVRTC_ERROR_OUT_OF_MEMORY", "NVRTC_ERROR_PROGRAM_CREATION_FAILURE", "NVRTC_ERROR_INVALID_INPUT",
    "NVRTC_ERROR_INVALID_PROGRAM", "NVRTC_ERROR_INVALID_OPTION", "NVRTC_ERROR_COMPILATION", "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE",
    "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION", "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION",
    "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID", "NVRTC_ERROR_INTERNAL_ERROR", "NVRTC_ERROR_TIME_FILE_WRITE_FAILED",
    "NVRTC_ERROR_NO_PCH_CREATE_ATTEMPTED", "NVRTC_ERROR_PCH_CREATE_HEAP_EXHAUSTED", "NVRTC_ERROR_PCH_CREATE", "NVRTC_ERROR_CANCELLED",
    "NVRTC_ERROR_TIME_TRACE_FILE_WRITE_FAILED",
};

/** The host compiler's command; -O1 rather than -O0: see docs/cuda.md ("The mock driver"). */
const char* const kCompile[] = {"g++", "-std=c++20", "-O1", "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared", "-pthread", "-w",
                                "-fvisibility=hidden", "-fno-gnu-unique"};

/** The text with comments blanked out (string literals kept), so that entries are found only in code. */
std::string withoutComments(const std::string& s) {
    std::string out(s);
    for (size_t i = 0; i < out.size(); i++) {
        if (out[i] == '"') {
            for (i++; i < out.size() && out[i] != '"'; i++) {
                if (out[i] == '\\') i++;
            }
        } else if (out.compare(i, 2, "//") == 0) {
            for (; i < out.size() && out[i] != '\n'; i++) out[i] = ' ';
        } else if (out.compare(i, 2, "/*") == 0) {
            size_t end = out.find("*/", i + 2);
            end = end == std::string::npos ? out.size() : end + 2;
            for (; i < end; i++) {
                if (out[i] != '\n') out[i] = ' ';
            }
            i--;
        }
    }
    return out;
}

/**
 * The entries cuModuleGetFunction can find by name: KILN_ENTRY functions (extern "C" __global__) and
 * extern "C" __global__ ones. A __global__ function without extern "C" has a C++-mangled name on a GPU
 * too, so it gets no launcher.
 */
std::vector<std::string> entries(const std::string& source) {
    static const std::regex entry(R"((?:\bKILN_ENTRY|\bextern\s+"C"\s+__global__)\s+void\s+([A-Za-z_]\w*)\s*\()");
    std::vector<std::string> names;
    std::string code = withoutComments(source);
    for (auto it = std::sregex_iterator(code.begin(), code.end(), entry); it != std::sregex_iterator(); ++it) {
        std::string name = (*it)[1];
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    return names;
}

/** The translation unit: kiln_emu.h, the program under its own name (so g++'s messages name its lines), then the launchers. */
std::string translationUnit(const nvrtcProgram p, int sm) {
    std::string file;
    for (char c : p->name) file += c == '"' || c == '\\' || c == '\n' ? '_' : c;
    std::ostringstream tu;
    tu << "#include <cstddef>\n#include <utility>\n#include \"kiln_emu.h\"\n#line 1 \"" << file << "\"\n" << p->source << "\n";
    tu << "#line 1 \"kiln_mock_launchers\"\n"
          "namespace kiln_mock {\n"
          "template <class... A, std::size_t... I>\n"
          "void call(void (*f)(A...), void** a, std::index_sequence<I...>) { f(*static_cast<A*>(a[I])...); }\n"
          "template <class... A> constexpr std::size_t arity(void (*)(A...)) { return sizeof...(A); }\n"
          "template <auto F> void run(void** a) { call(F, a, std::make_index_sequence<arity(F)>{}); }\n"
          "template <class... A> int sizes(void (*)(A...), unsigned long long* out, int max) {\n"
          "    const unsigned long long s[] = {sizeof(A)..., 0};\n"
          "    for (int i = 0; i < (int) sizeof...(A) && i < max; i++) out[i] = s[i];\n"
          "    return (int) sizeof...(A);\n"
          "}\n"
          "}  // namespace kiln_mock\n"
          "#define KILN_MOCK_EXPORT extern \"C\" __attribute__((visibility(\"default\")))\n"
          "KILN_MOCK_EXPORT const int kiln_mock_sm = " << sm << ";\n";
    for (const std::string& e : entries(p->source)) {
        tu << "KILN_MOCK_EXPORT int kiln_launch_" << e << "(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, void** a) {\n"
           << "    return kiln_emu::launch(dim3(gx, gy, gz), dim3(bx, by, bz), kiln_mock::run<&" << e << ">, a);\n}\n"
           << "KILN_MOCK_EXPORT int kiln_argsizes_" << e << "(unsigned long long* out, int max) {\n"
           << "    return kiln_mock::sizes(&" << e << ", out, max);\n}\n";
    }
    return tu.str();
}

/** Reads the options Kiln passes; the architecture must be a real one (sm_XY), since the mock makes only CUBIN. */
nvrtcResult options(int n, const char* const* opts, int* sm, std::string* log) {
    static const std::regex arch(R"((?:--gpu-architecture|-arch)=sm_(\d)(\d)[af]?)");
    *sm = 0;
    for (int i = 0; i < n; i++) {
        if (opts[i] == nullptr) return NVRTC_ERROR_INVALID_INPUT;
        std::string o(opts[i]);
        std::smatch m;
        if (std::regex_match(o, m, arch)) {
            *sm = std::stoi(m[1].str() + m[2].str());
        } else if (o != "--fmad=false" && o != "--fmad=true" && o != "--std=c++17" && o != "-std=c++17" && o != "-default-device" &&
                   o != "--device-as-default-execution-space") {
            *log = "nvrtc: error: unrecognized or unsupported option " + o + " (kiln mock NVRTC)\n";
            return NVRTC_ERROR_INVALID_OPTION;
        }
    }
    if (*sm == 0) {
        *log = "nvrtc: error: the kiln mock NVRTC needs --gpu-architecture=sm_XY (it makes CUBIN, never PTX)\n";
        return NVRTC_ERROR_INVALID_OPTION;
    }
    return NVRTC_SUCCESS;
}

/** Runs g++ with its output into {@code out}; its exit status, or -1 when it could not start. */
int runCompiler(const std::vector<std::string>& args, const std::string& out) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

nvrtcResult compile(nvrtcProgram p, int sm) {
    namespace fs = std::filesystem;
    std::string tmpl = (fs::temp_directory_path() / "kiln-nvrtc-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return NVRTC_ERROR_INTERNAL_ERROR;
    fs::path dir(tmpl);
    for (const auto& [name, text] : p->headers) {
        fs::path h = dir / name;
        fs::create_directories(h.parent_path());
        std::ofstream(h, std::ios::binary) << text;
    }
    std::ofstream(dir / "module.cpp", std::ios::binary) << translationUnit(p, sm);
    std::vector<std::string> args(std::begin(kCompile), std::end(kCompile));
    for (std::string a : {std::string("-I") + KILN_MOCK_EMU_DIR, "-I" + dir.string(), std::string("-o"), (dir / "module.so").string(),
                          (dir / "module.cpp").string()}) {
        args.push_back(a);
    }
    auto t0 = std::chrono::steady_clock::now();
    int rc = runCompiler(args, (dir / "log.txt").string());
    compileNanos += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    compiles++;
    p->log = slurp(dir / "log.txt");
    nvrtcResult result = NVRTC_SUCCESS;
    if (rc == -1) {
        p->log += "nvrtc: error: could not run g++ (the kiln mock NVRTC compiles for the host with it)\n";
        result = NVRTC_ERROR_INTERNAL_ERROR;
    } else if (rc != 0) {
        result = NVRTC_ERROR_COMPILATION;
    } else {
        std::string so = slurp(dir / "module.so");
        p->cubin.assign(so.begin(), so.end());
        p->compiled = true;
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    return result;
}

bool valid(nvrtcProgram p) {
    return p != nullptr && programs.count(p) != 0;
}

}  // namespace

extern "C" {

const char* nvrtcGetErrorString(nvrtcResult result) {
    if (result < 0 || result >= (int) (sizeof kNames / sizeof kNames[0])) return "NVRTC_ERROR unknown";
    return kNames[result];
}

nvrtcResult nvrtcVersion(int* major, int* minor) {
    if (major == nullptr || minor == nullptr) return NVRTC_ERROR_INVALID_INPUT;
    *major = 13;
    *minor = 0;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcCreateProgram(nvrtcProgram* prog, const char* src, const char* name, int numHeaders, const char* const* headers,
                               const char* const* includeNames) {
    std::lock_guard<std::mutex> lock(mu);
    if (prog == nullptr) return NVRTC_ERROR_INVALID_PROGRAM;
    if (src == nullptr || numHeaders < 0 || (numHeaders > 0 && (headers == nullptr || includeNames == nullptr))) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    auto p = new _nvrtcProgram();
    p->source = src;
    p->name = name != nullptr ? name : "default_program";
    for (int i = 0; i < numHeaders; i++) {
        if (headers[i] == nullptr || includeNames[i] == nullptr) {
            delete p;
            return NVRTC_ERROR_INVALID_INPUT;
        }
        p->headers.emplace_back(includeNames[i], headers[i]);
    }
    programs.insert(p);
    *prog = p;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char* const* options_) {
    std::lock_guard<std::mutex> lock(mu);
    if (!valid(prog)) return NVRTC_ERROR_INVALID_PROGRAM;
    if (numOptions < 0 || (numOptions > 0 && options_ == nullptr)) return NVRTC_ERROR_INVALID_INPUT;
    prog->compiled = false;
    prog->cubin.clear();
    prog->log.clear();
    int sm;
    nvrtcResult rc = options(numOptions, options_, &sm, &prog->log);
    return rc != NVRTC_SUCCESS ? rc : compile(prog, sm);
}

nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t* size) {
    std::lock_guard<std::mutex> lock(mu);
    if (!valid(prog)) return NVRTC_ERROR_INVALID_PROGRAM;
    if (size == nullptr) return NVRTC_ERROR_INVALID_INPUT;
    *size = prog->log.size() + 1;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char* log) {
    std::lock_guard<std::mutex> lock(mu);
    if (!valid(prog)) return NVRTC_ERROR_INVALID_PROGRAM;
    if (log == nullptr) return NVRTC_ERROR_INVALID_INPUT;
    memcpy(log, prog->log.c_str(), prog->log.size() + 1);
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, size_t* size) {
    std::lock_guard<std::mutex> lock(mu);
    if (!valid(prog) || !prog->compiled) return NVRTC_ERROR_INVALID_PROGRAM;
    if (size == nullptr) return NVRTC_ERROR_INVALID_INPUT;
    *size = prog->cubin.size();
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, char* cubin) {
    std::lock_guard<std::mutex> lock(mu);
    if (!valid(prog) || !prog->compiled) return NVRTC_ERROR_INVALID_PROGRAM;
    if (cubin == nullptr) return NVRTC_ERROR_INVALID_INPUT;
    memcpy(cubin, prog->cubin.data(), prog->cubin.size());
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcDestroyProgram(nvrtcProgram* prog) {
    std::lock_guard<std::mutex> lock(mu);
    if (prog == nullptr || !valid(*prog)) return NVRTC_ERROR_INVALID_PROGRAM;
    programs.erase(*prog);
    delete *prog;
    *prog = nullptr;
    return NVRTC_SUCCESS;
}

// ---- test hooks ----

/** Programs destroyed, counters cleared. */
void kilnMockNvrtcReset(void) {
    std::lock_guard<std::mutex> lock(mu);
    for (nvrtcProgram p : programs) delete p;
    programs.clear();
    compiles = 0;
    compileNanos = 0;
}

/** g++ runs and the nanoseconds they took: as many as fit in n. */
int kilnMockNvrtcStats(long long* out, int n) {
    std::lock_guard<std::mutex> lock(mu);
    const long long values[] = {compiles, compileNanos};
    int count = std::min(n, 2);
    for (int i = 0; i < count; i++) out[i] = values[i];
    return count;
}

}  // extern "C"
