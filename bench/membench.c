/* The C reference for hostmem probe (bench/probe-compare builds it with gcc at bench time; never committed as a binary).
 * The same method as src/Hostmem/Probe, written plainly in C, so the comparison shows what C# costs:
 *   membench chase BYTES LOADS SAMPLES NODE CPU    idle latency: Sattolo cycle through every 64-byte line, ns per load
 *                                                  (thread CPU time, median of SAMPLES), after a warm-up of LOADS/4
 *   membench read  BYTES SECONDS NODE CPU...       AVX-512 loads, a pinned thread per CPU, best round, MiB/s
 *   membench write BYTES SECONDS NODE CPU...       AVX-512 non-temporal stores, the same way
 * The buffer: mmap, aligned to 2 MiB, mbind(MPOL_BIND) to NODE, madvise(MADV_HUGEPAGE), MADV_POPULATE_WRITE.
 * Prints one number on stdout and what the kernel granted (huge page bytes) on stderr. */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LINE 64
#define HUGE (2UL << 20)

static double now_ns(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1e9 + t.tv_nsec; }

static void pin(int cpu) {
  cpu_set_t s; CPU_ZERO(&s); CPU_SET(cpu, &s);
  if (sched_setaffinity(0, sizeof s, &s)) { perror("sched_setaffinity"); exit(1); }
}

static char *buffer(size_t bytes, int node) {
  char *m = mmap(0, bytes + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) { perror("mmap"); exit(1); }
  char *b = (char *)(((uintptr_t)m + HUGE - 1) & ~(HUGE - 1));
  unsigned long mask[2] = {0, 0}; mask[node / 64] = 1UL << (node % 64);
  if (syscall(SYS_mbind, b, bytes, 2 /* MPOL_BIND */, mask, 129, 0)) { perror("mbind"); exit(1); }
  madvise(b, bytes, MADV_HUGEPAGE);
  if (madvise(b, bytes, 23 /* MADV_POPULATE_WRITE */)) for (size_t o = 0; o < bytes; o += 4096) b[o] = 0;
  return b;
}

static uint64_t rng_state;
static uint64_t splitmix(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL; z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static void *walk(void *p, long loads) {
  void **q = p;
  for (long n = loads / 16; n > 0; n--) {
    q = *q; q = *q; q = *q; q = *q; q = *q; q = *q; q = *q; q = *q;
    q = *q; q = *q; q = *q; q = *q; q = *q; q = *q; q = *q; q = *q;
  }
  return q;
}

static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return (x > y) - (x < y); }

static int chase(size_t bytes, long loads, int samples, int node, int cpu) {
  pin(cpu);
  char *b = buffer(bytes, node);
  size_t lines = bytes / LINE;
  for (size_t i = 0; i < lines; i++) *(uint64_t *)(b + i * LINE) = i;
  rng_state = (uint64_t)now_ns(CLOCK_MONOTONIC);
  for (size_t i = lines - 1; i > 0; i--) {
    size_t j = (size_t)(((unsigned __int128)splitmix() * i) >> 64);
    uint64_t *pi = (uint64_t *)(b + i * LINE), *pj = (uint64_t *)(b + j * LINE), t = *pi;
    *pi = *pj; *pj = t;
  }
  for (size_t i = 0; i < lines; i++) { uint64_t *p = (uint64_t *)(b + i * LINE); *p = (uint64_t)(uintptr_t)b + *p * LINE; }
  void *p = walk(b, loads / 4 / 16 * 16);
  double ns[64];
  for (int s = 0; s < samples; s++) {
    double t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    p = walk(p, loads);
    ns[s] = (now_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / loads;
  }
  qsort(ns, samples, sizeof ns[0], cmp);
  printf("%.1f\n", samples % 2 ? ns[samples / 2] : (ns[samples / 2 - 1] + ns[samples / 2]) / 2);
  return p == 0;
}

struct worker { pthread_t t; int cpu; char *start; size_t bytes; double began, ended; };
static pthread_barrier_t barrier;
static volatile int stop, writing;
static volatile uint64_t sink;

static void *run(void *arg) {
  struct worker *w = arg;
  pin(w->cpu);
  for (;;) {
    pthread_barrier_wait(&barrier);
    if (stop) return 0;
    w->began = now_ns(CLOCK_MONOTONIC);
    char *p = w->start, *end = w->start + w->bytes;
    if (writing) {
      __m512i v = _mm512_set1_epi64(0x5A5A5A5A5A5A5A5AULL);
      for (; p < end; p += 256) {
        _mm512_stream_si512((void *)p, v); _mm512_stream_si512((void *)(p + 64), v);
        _mm512_stream_si512((void *)(p + 128), v); _mm512_stream_si512((void *)(p + 192), v);
      }
      _mm_sfence();
    } else {
      __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
      for (; p < end; p += 256) {
        a = _mm512_xor_si512(a, _mm512_load_si512(p)); b = _mm512_xor_si512(b, _mm512_load_si512(p + 64));
        c = _mm512_xor_si512(c, _mm512_load_si512(p + 128)); d = _mm512_xor_si512(d, _mm512_load_si512(p + 192));
      }
      sink = _mm512_reduce_add_epi64(_mm512_xor_si512(_mm512_xor_si512(a, b), _mm512_xor_si512(c, d)));
    }
    w->ended = now_ns(CLOCK_MONOTONIC);
    pthread_barrier_wait(&barrier);
  }
}

static int bandwidth(int write, size_t bytes, double seconds, int node, int ncpu, char **cpus) {
  char *b = buffer(bytes, node);
  struct worker w[256];
  size_t each = bytes / ncpu / 4096 * 4096;
  writing = write;
  pthread_barrier_init(&barrier, 0, ncpu + 1);
  for (int k = 0; k < ncpu; k++) {
    w[k].cpu = atoi(cpus[k]); w[k].start = b + each * k; w[k].bytes = k == ncpu - 1 ? bytes - each * (ncpu - 1) : each;
    pthread_create(&w[k].t, 0, run, &w[k]);
  }
  double best = 0, began = now_ns(CLOCK_MONOTONIC);
  for (int round = 0; round < 3 || now_ns(CLOCK_MONOTONIC) - began < seconds * 1e9; round++) {
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    double first = w[0].began, last = w[0].ended;
    for (int k = 1; k < ncpu; k++) { if (w[k].began < first) first = w[k].began; if (w[k].ended > last) last = w[k].ended; }
    double bps = bytes / ((last - first) / 1e9);
    if (bps > best) best = bps;
  }
  stop = 1;
  pthread_barrier_wait(&barrier);
  for (int k = 0; k < ncpu; k++) pthread_join(w[k].t, 0);
  printf("%.0f\n", best / (1 << 20));
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 7 && !strcmp(argv[1], "chase"))
    return chase(strtoull(argv[2], 0, 0), atol(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
  if (argc >= 6 && (!strcmp(argv[1], "read") || !strcmp(argv[1], "write")))
    return bandwidth(!strcmp(argv[1], "write"), strtoull(argv[2], 0, 0), atof(argv[3]), atoi(argv[4]), argc - 5, argv + 5);
  fprintf(stderr, "usage: membench chase BYTES LOADS SAMPLES NODE CPU | read|write BYTES SECONDS NODE CPU...\n");
  return 2;
}
