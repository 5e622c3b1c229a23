/*
 * LD_PRELOAD allocation counter for bench/memory.js. Every malloc/calloc/realloc/aligned alloc
 * and every operator new is counted against its call site (return address); the reader maps sites
 * to shared objects with /proc/<pid>/maps, so a phase of N embed calls can be split into "the addon", "OpenVINO",
 * "node/V8", "libstdc++"... The table lives in a file mapped MAP_SHARED (MALLOC_COUNT_FILE) that
 * the benchmarked process reads between phases with plain fs.readFileSync: no call into C needed.
 * Build: cc -O2 -shared -fPIC -o malloc_count.so malloc_count.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 65536 /* power of two */

/* One entry per distinct call site (return address); key 0 = free. */
struct entry {
  _Atomic uintptr_t site;
  _Atomic uint64_t calls;
  _Atomic uint64_t bytes;
};

struct table {
  _Atomic uint64_t dropped; /* call sites that found the table full */
  uint64_t pad[2];
  struct entry entries[SLOTS];
};

static struct table *table;
static __thread int inside __attribute__((tls_model("initial-exec"))); /* our own bookkeeping (and operator new -> malloc) is not counted twice */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);

/* dlsym may call calloc before real_calloc is known: serve it from a small static arena. */
static char bootstrap[16384];
static size_t bootstrap_used;
static int initializing;

static void *bootstrap_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (bootstrap_used + n > sizeof bootstrap) return NULL;
  void *p = bootstrap + bootstrap_used;
  bootstrap_used += n;
  return p; /* static storage is already zero */
}

__attribute__((constructor)) static void init(void) {
  if (initializing || real_malloc) return;
  initializing = 1;
  inside = 1;
  real_malloc = dlsym(RTLD_NEXT, "malloc");
  real_calloc = dlsym(RTLD_NEXT, "calloc");
  real_realloc = dlsym(RTLD_NEXT, "realloc");
  real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
  const char *file = getenv("MALLOC_COUNT_FILE");
  if (file) {
    int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0 && ftruncate(fd, sizeof(struct table)) == 0) {
      void *p = mmap(NULL, sizeof(struct table), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) table = p;
    }
    if (fd >= 0) close(fd);
  }
  inside = 0;
}

/* Lock-free and call-free (no dladdr: the loader's lock would deadlock against dlopen on
 * another thread); the reader maps sites to objects through /proc/<pid>/maps. */
static void record(void *caller, size_t size) {
  if (!table || inside) return;
  uintptr_t site = (uintptr_t)caller;
  size_t i = (size_t)((site >> 2) * 0x9E3779B97F4A7C15ull >> 48) & (SLOTS - 1);
  for (size_t probe = 0; probe < SLOTS; probe++, i = (i + 1) & (SLOTS - 1)) {
    uintptr_t current = atomic_load(&table->entries[i].site);
    if (current == 0) {
      uintptr_t expected = 0;
      if (!atomic_compare_exchange_strong(&table->entries[i].site, &expected, site) && expected != site) continue;
    } else if (current != site) {
      continue;
    }
    atomic_fetch_add(&table->entries[i].calls, 1);
    atomic_fetch_add(&table->entries[i].bytes, size);
    return;
  }
  atomic_fetch_add(&table->dropped, 1);
}

void *malloc(size_t n) {
  if (!real_malloc) init();
  if (!real_malloc) return bootstrap_alloc(n);
  record(__builtin_return_address(0), n);
  return real_malloc(n);
}

void *calloc(size_t a, size_t b) {
  if (!real_calloc) return bootstrap_alloc(a * b);
  record(__builtin_return_address(0), a * b);
  return real_calloc(a, b);
}

void *realloc(void *p, size_t n) {
  if (!real_realloc) init();
  if (!real_realloc) return NULL;
  record(__builtin_return_address(0), n);
  return real_realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t n) {
  if (!real_posix_memalign) init();
  record(__builtin_return_address(0), n);
  return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n) {
  if (!real_aligned_alloc) init();
  record(__builtin_return_address(0), n);
  return real_aligned_alloc(align, n);
}

void free(void *p) {
  static void (*real_free)(void *);
  if ((char *)p >= bootstrap && (char *)p < bootstrap + sizeof bootstrap) return;
  if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
  real_free(p);
}

/* operator new: attribute to new's caller, and keep the inner malloc from counting again. */
static void *counted_new(size_t n, void *caller) {
  record(caller, n);
  int was = inside;
  inside = 1;
  void *p = real_malloc(n ? n : 1);
  inside = was;
  return p;
}

void *_Znwm(size_t n) { return counted_new(n, __builtin_return_address(0)); }
void *_Znam(size_t n) { return counted_new(n, __builtin_return_address(0)); }
