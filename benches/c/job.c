/* The notes' CPU job in C, for benches/gil.rs: res += i + i*i + i*i*i over
 * i < n, twice, in 128-bit integers. n comes from the command line, so the
 * compiler cannot fold the loop. Prints the seconds the pair took. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned __int128 job(unsigned long long n) {
    unsigned __int128 res = 0;
    for (unsigned long long k = 0; k < n; k++) {
        unsigned __int128 i = k;
        res += i + i * i + i * i * i;
    }
    return res;
}

int main(int argc, char **argv) {
    unsigned long long n = strtoull(argv[1], NULL, 10);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned __int128 total = job(n) + job(n);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double secs = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("serial %f\ncheck %llu\n", secs, (unsigned long long)total);
    return 0;
}
