// The limit of the C simulation on one thread: the compiled library's per-sample function
// (<project>_double, hls4ml's bridge) called from a plain C++ loop over the samples.
// Usage: csim_loop LIBRARY.so FUNCTION INPUTS.f64 N_IN N_OUT N -> prints samples per second.
// INPUTS.f64: N * N_IN doubles (the samples, C order). The first call (weights read from disk) is not timed.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <vector>

typedef void (*sample_fn)(double *, double *);

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s LIBRARY.so FUNCTION INPUTS.f64 N_IN N_OUT N\n", argv[0]);
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    sample_fn fn = (sample_fn)dlsym(lib, argv[2]);
    size_t n_in = strtoul(argv[4], 0, 10), n_out = strtoul(argv[5], 0, 10), n = strtoul(argv[6], 0, 10);
    std::vector<double> x(n_in * n), y(n_out * n);
    FILE *f = fopen(argv[3], "rb");
    if (!fn || !f || fread(x.data(), sizeof(double), x.size(), f) != x.size()) {
        fprintf(stderr, "cannot read %s or find %s\n", argv[3], argv[2]);
        return 1;
    }
    fclose(f);
    fn(x.data(), y.data());
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; i++) fn(x.data() + i * n_in, y.data() + i * n_out);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    printf("%.3f\n", n / seconds);
    return 0;
}
