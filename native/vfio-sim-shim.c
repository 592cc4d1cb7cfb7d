/*
 * vfio-sim preload library: runs an unmodified C program against a vfio-sim server.
 *
 * Calls on simulated paths (/dev/vfio/..., /dev/iommu, /sys/bus/pci/...,
 * /sys/kernel/iommu_groups/..., /sys/module/<m>/parameters/...) and on the fds they return
 * go to the server over a unix socket (VFIO_SIM_SOCK); everything else goes to libc.
 * A simulated fd is a real placeholder fd (/dev/null), so fd numbers are the ones the
 * program would get on Linux. ioctl arguments are not marshalled here: the server reads
 * and writes them through /proc/<pid>/mem using the uapi struct layouts. A BAR mmap is a
 * PROT_NONE range; the SIGSEGV handler decodes the faulting mov, forwards it and completes
 * it in the saved registers. Eventfds stay real: the server tells us when to signal them.
 *
 * Protocol (little endian): request = u32 len, u32 op, u64 a[6], payload;
 * reply = u32 len, s32 err, s64 ret, u32 nact, u32 plen, nact x action, payload.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <linux/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

enum { OP_HELLO = 1, OP_OPEN, OP_CLOSE, OP_IOCTL, OP_MMAP, OP_MUNMAP, OP_READ, OP_WRITE, OP_MMIO,
       OP_READLINK, OP_READDIR, OP_STAT, OP_DUP, OP_FCNTL, OP_SLEEP, OP_WAIT, OP_PREFORK,
       OP_REGISTER, OP_ECHO, OP_FSTAT, OP_REALPATH, OP_EXIT, OP_LSEEK, OP_HUGE, OP_SHARED };
enum { ACT_SIGNAL = 1, ACT_NEWFD = 2, ACT_WATCH = 3, ACT_SHARE = 4 };
/* A reply with this error asks for the request again, after its actions (the kernel's own
 * ERESTARTSYS, which never reaches user space). */
#define ERR_RETRY 512

struct req { uint32_t len, op; uint64_t a[6]; };
struct rep { uint32_t len; int32_t err; int64_t ret; uint32_t nact, plen; };
struct act { uint32_t kind; int32_t fd; uint64_t val, addr; };

#define MAXFD 4096
static unsigned char g_sim[MAXFD];     /* 1: the fd is a simulated file's placeholder */
static unsigned char g_watch[MAXFD];   /* 1: a real eventfd the simulator signals */
static unsigned char g_ours[MAXFD];    /* 1: a socket to the server (a program closing every fd keeps it) */
static int g_on;                        /* a server is there */
static pid_t g_pid;
static __thread int t_sock = -1;
static __thread pid_t t_sock_pid;
static uint64_t g_fork_token;

struct trap { uintptr_t start, end; };
#define MAXTRAP 256
static struct trap g_traps[MAXTRAP];
static int g_ntraps;

#define REAL(ret, name, ...) \
  static ret (*real_##name)(__VA_ARGS__); \
  if (!real_##name) real_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

static void die(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
  if (write(2, buf, n) < 0) {}
  _exit(127);
}

/* ---- transport ------------------------------------------------------------------- */

static int xfer_all(int fd, void *buf, size_t n, int wr) {
  char *p = buf;
  while (n > 0) {
    ssize_t k = wr ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static int rpc(uint32_t op, const uint64_t *a, const void *pl, size_t plen, void *out, size_t outcap, int64_t *ret);

static int sock(void) {
  if (t_sock >= 0 && t_sock_pid == getpid()) return t_sock;
  const char *path = getenv("VFIO_SIM_SOCK");
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (s < 0 || !path || strlen(path) >= sizeof sa.sun_path) die("vfio-sim shim: no server socket\n");
  strcpy(sa.sun_path, path);
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) die("vfio-sim shim: cannot connect to %s: %s\n", path, strerror(errno));
  /* Out of the way of the program's own fd numbers (its first open() must return 3). */
  REAL(int, fcntl, int, int, ...);
  REAL(int, close, int);
  int high = real_fcntl(s, F_DUPFD_CLOEXEC, 900);
  if (high >= 0) { real_close(s); s = high; }
  if (s < MAXFD) g_ours[s] = 1;
  t_sock = s;
  t_sock_pid = getpid();
  uint64_t a[6] = { (uint64_t)getpid(), g_fork_token, (uint64_t)getppid() };
  g_fork_token = 0;
  int64_t r;
  rpc(OP_HELLO, a, NULL, 0, NULL, 0, &r);
  return s;
}

static void do_actions(struct act *acts, uint32_t n, int64_t *ret);

/* One call: returns 0 or -errno; *ret gets the server's return value. */
static int rpc(uint32_t op, const uint64_t *a, const void *pl, size_t plen, void *out, size_t outcap, int64_t *ret) {
  int s = sock();
  int saved = errno;
again:;
  struct req q = { (uint32_t)(sizeof q + plen), op, { 0 } };
  if (a) memcpy(q.a, a, sizeof q.a);
  struct rep r;
  if (xfer_all(s, &q, sizeof q, 1) || (plen && xfer_all(s, (void *)pl, plen, 1)) || xfer_all(s, &r, sizeof r, 0))
    die("vfio-sim shim: lost the server (op %u)\n", op);
  struct act acts[64];
  if (r.nact > 64) die("vfio-sim shim: bad reply\n");
  if (r.nact && xfer_all(s, acts, r.nact * sizeof(struct act), 0)) die("vfio-sim shim: lost the server\n");
  size_t keep = r.plen < outcap ? r.plen : outcap;
  if (keep && xfer_all(s, out, keep, 0)) die("vfio-sim shim: lost the server\n");
  for (size_t rest = r.plen - keep; rest > 0;) {
    char junk[256];
    size_t k = rest < sizeof junk ? rest : sizeof junk;
    if (xfer_all(s, junk, k, 0)) die("vfio-sim shim: lost the server\n");
    rest -= k;
  }
  *ret = r.ret;
  do_actions(acts, r.nact, ret);
  if (r.err == ERR_RETRY) goto again;
  errno = saved;
  return r.err ? -r.err : 0;
}

static long fin(int err, int64_t ret) {
  if (err) { errno = -err; return -1; }
  return (long)ret;
}

static int placeholder(int cloexec) {
  REAL(int, open, const char *, int, ...);
  int fd = real_open("/dev/null", O_RDWR | (cloexec ? O_CLOEXEC : 0));
  if (fd >= 0 && fd < MAXFD) g_sim[fd] = 1;
  return fd;
}

static void share_range(uintptr_t s, uintptr_t e);

static void do_actions(struct act *acts, uint32_t n, int64_t *ret) {
  for (uint32_t i = 0; i < n; i++) {
    struct act *x = &acts[i];
    if (x->kind == ACT_SIGNAL) {
      REAL(ssize_t, write, int, const void *, size_t);
      uint64_t v = x->val;
      if (real_write(x->fd, &v, 8) != 8) {}
    } else if (x->kind == ACT_WATCH) {
      if (x->fd >= 0 && x->fd < MAXFD) g_watch[x->fd] = (unsigned char)x->val;
    } else if (x->kind == ACT_NEWFD) {
      int fd = placeholder((x->val >> 32) & 1);
      if (x->addr) memcpy((void *)(uintptr_t)x->addr, &fd, sizeof fd);
      else *ret = fd;
      uint64_t a[6] = { (uint64_t)fd, x->val & 0xffffffffu };
      int64_t r;
      rpc(OP_REGISTER, a, NULL, 0, NULL, 0, &r);
    } else if (x->kind == ACT_SHARE) {
      share_range((uintptr_t)x->addr, (uintptr_t)(x->addr + x->val));
    }
  }
}

/* ---- setup ----------------------------------------------------------------------- */

static void on_segv(int sig, siginfo_t *si, void *uc);

__attribute__((constructor)) static void shim_init(int argc, char **argv) {
  (void)argc;
  const char *path = getenv("VFIO_SIM_SOCK");
  if (!path) return;
  /* Addresses must not depend on ASLR, or the trace would differ between runs. */
  int pers = personality(0xffffffff);
  if (pers != -1 && !(pers & ADDR_NO_RANDOMIZE) && !getenv("VFIO_SIM_ASLR")) {
    personality(pers | ADDR_NO_RANDOMIZE);
    execv("/proc/self/exe", argv);
  }
  const char *srv = getenv("VFIO_SIM_SERVER_PID");
  if (srv) prctl(PR_SET_PTRACER, (unsigned long)atol(srv), 0, 0, 0);
  g_on = 1;
  g_pid = getpid();
  struct sigaction sa = { 0 };
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, NULL);
  sock();
}

/* /proc/self/pagemap or /proc/<own pid>/pagemap: answered by the simulated process. */
static int own_pagemap(const char *p) {
  if (!strcmp(p, "/proc/self/pagemap")) return 1;
  char mine[48];
  snprintf(mine, sizeof mine, "/proc/%d/pagemap", (int)getpid());
  return !strcmp(p, mine);
}

static int sim_path(const char *p) {
  if (!g_on || !p) return 0;
  return own_pagemap(p) || !strncmp(p, "/dev/vfio/", 10) || !strcmp(p, "/dev/vfio") || !strcmp(p, "/dev/iommu") ||
         !strncmp(p, "/sys/bus/pci/", 13) || !strncmp(p, "/sys/kernel/iommu_groups", 24) ||
         (!strncmp(p, "/sys/module/", 12) && strstr(p, "/parameters")) || !strncmp(p, "/sys/kernel/debug/iommu", 23);
}

static int is_sim(int fd) { return g_on && fd >= 0 && fd < MAXFD && g_sim[fd]; }
static int is_watch(int fd) { return g_on && fd >= 0 && fd < MAXFD && g_watch[fd]; }

/* ---- open / close / dup ---------------------------------------------------------- */

static int sim_open(const char *path, int flags, int mode) {
  if (own_pagemap(path)) path = "/proc/self/pagemap"; /* the simulated process's own */
  int fd = placeholder(flags & O_CLOEXEC);
  if (fd < 0) return -1;
  uint64_t a[6] = { (uint64_t)fd, (uint64_t)(unsigned)flags, (uint64_t)(unsigned)mode };
  int64_t r;
  int err = rpc(OP_OPEN, a, path, strlen(path) + 1, NULL, 0, &r);
  if (err) {
    REAL(int, close, int);
    g_sim[fd] = 0;
    real_close(fd);
    errno = -err;
    return -1;
  }
  return fd;
}

#define OPEN_MODE(flags) \
  int mode = 0; \
  if ((flags) & (O_CREAT | __O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, int); va_end(ap); }

int open(const char *path, int flags, ...) {
  OPEN_MODE(flags);
  if (sim_path(path)) return sim_open(path, flags, mode);
  REAL(int, open, const char *, int, ...);
  return real_open(path, flags, mode);
}
int open64(const char *path, int flags, ...) {
  OPEN_MODE(flags);
  if (sim_path(path)) return sim_open(path, flags, mode);
  REAL(int, open64, const char *, int, ...);
  return real_open64(path, flags, mode);
}
int __open_2(const char *path, int flags) { return open(path, flags); }
int __open64_2(const char *path, int flags) { return open64(path, flags); }
int openat(int dirfd, const char *path, int flags, ...) {
  OPEN_MODE(flags);
  if (sim_path(path)) return sim_open(path, flags, mode);
  REAL(int, openat, int, const char *, int, ...);
  return real_openat(dirfd, path, flags, mode);
}
int openat64(int dirfd, const char *path, int flags, ...) {
  OPEN_MODE(flags);
  if (sim_path(path)) return sim_open(path, flags, mode);
  REAL(int, openat64, int, const char *, int, ...);
  return real_openat64(dirfd, path, flags, mode);
}
int __openat_2(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags); }

int close(int fd) {
  REAL(int, close, int);
  if (g_on && fd >= 0 && fd < MAXFD && g_ours[fd]) return 0;
  if (is_sim(fd)) {
    uint64_t a[6] = { (uint64_t)fd };
    int64_t r;
    int err = rpc(OP_CLOSE, a, NULL, 0, NULL, 0, &r);
    g_sim[fd] = 0;
    real_close(fd);
    return (int)fin(err, 0);
  }
  if (is_watch(fd)) g_watch[fd] = 0;
  return real_close(fd);
}

static int after_dup(int old, int nfd) {
  if (nfd < 0 || nfd >= MAXFD) return nfd;
  if (is_sim(old)) {
    g_sim[nfd] = 1;
    uint64_t a[6] = { (uint64_t)old, (uint64_t)nfd };
    int64_t r;
    rpc(OP_DUP, a, NULL, 0, NULL, 0, &r);
  }
  return nfd;
}
static void before_replace(int nfd) {
  if (is_sim(nfd)) close(nfd);
}
int dup(int fd) { REAL(int, dup, int); return after_dup(fd, real_dup(fd)); }
int dup2(int fd, int nfd) {
  REAL(int, dup2, int, int);
  if (fd != nfd) before_replace(nfd);
  return fd == nfd ? real_dup2(fd, nfd) : after_dup(fd, real_dup2(fd, nfd));
}
int dup3(int fd, int nfd, int flags) {
  REAL(int, dup3, int, int, int);
  if (fd != nfd) before_replace(nfd);
  return after_dup(fd, real_dup3(fd, nfd, flags));
}

int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  REAL(int, fcntl, int, int, ...);
  if (is_sim(fd) && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) return after_dup(fd, real_fcntl(fd, cmd, arg));
  if (is_sim(fd) && (cmd == F_GETFL || cmd == F_SETFL)) {
    uint64_t a[6] = { (uint64_t)fd, (uint64_t)cmd, (uint64_t)arg };
    int64_t r;
    int err = rpc(OP_FCNTL, a, NULL, 0, NULL, 0, &r);
    return (int)fin(err, r);
  }
  return real_fcntl(fd, cmd, arg);
}
int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return fcntl(fd, cmd, arg);
}

/* ---- ioctl, read, write ------------------------------------------------------------ */

int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (is_sim(fd)) {
    uint64_t a[6] = { (uint64_t)fd, req, (uint64_t)(uintptr_t)arg };
    /* The argument's first bytes (to the end of its page) go with the call, read without
     * faulting on a bad pointer, so the server need not read them through /proc/<pid>/mem. */
    unsigned char head[256];
    size_t want = 0;
    uintptr_t p = (uintptr_t)arg;
    if (p >= 65536) {
      want = 4096 - (p & 4095);
      if (want > sizeof head) want = sizeof head;
      struct iovec local = { head, want }, remote = { arg, want };
      if (process_vm_readv(g_pid, &local, 1, &remote, 1, 0) != (ssize_t)want) want = 0;
    }
    int64_t r;
    int err = rpc(OP_IOCTL, a, head, want, NULL, 0, &r);
    return (int)fin(err, r);
  }
  REAL(int, ioctl, int, unsigned long, ...);
  return real_ioctl(fd, req, arg);
}

static ssize_t sim_read(int fd, void *buf, size_t n, off_t off, int has_off) {
  uint64_t a[6] = { (uint64_t)fd, n, (uint64_t)off, (uint64_t)has_off };
  int64_t r;
  int err = rpc(OP_READ, a, NULL, 0, buf, n, &r);
  return fin(err, r);
}
static ssize_t sim_write(int fd, const void *buf, size_t n, off_t off, int has_off) {
  uint64_t a[6] = { (uint64_t)fd, (uint64_t)off, (uint64_t)has_off };
  int64_t r;
  int err = rpc(OP_WRITE, a, buf, n, NULL, 0, &r);
  return fin(err, r);
}

static int wait_watched(const int *fds, int n, long long timeout_ns);

static int fd_flags(int fd) {
  REAL(int, fcntl, int, int, ...);
  return real_fcntl(fd, F_GETFL);
}

static int ready_now(int fd) {
  REAL(int, poll, struct pollfd *, nfds_t, int);
  struct pollfd p = { fd, POLLIN, 0 };
  return real_poll(&p, 1, 0) > 0;
}

ssize_t read(int fd, void *buf, size_t n) {
  if (is_sim(fd)) return sim_read(fd, buf, n, 0, 0);
  REAL(ssize_t, read, int, void *, size_t);
  if (is_watch(fd) && !ready_now(fd) && !(fd_flags(fd) & O_NONBLOCK)) {
    int err = wait_watched(&fd, 1, -1);
    if (err) { errno = -err; return -1; }
  }
  return real_read(fd, buf, n);
}
ssize_t write(int fd, const void *buf, size_t n) {
  if (is_sim(fd)) return sim_write(fd, buf, n, 0, 0);
  REAL(ssize_t, write, int, const void *, size_t);
  return real_write(fd, buf, n);
}
ssize_t pread(int fd, void *buf, size_t n, off_t off) {
  if (is_sim(fd)) return sim_read(fd, buf, n, off, 1);
  REAL(ssize_t, pread, int, void *, size_t, off_t);
  return real_pread(fd, buf, n, off);
}
ssize_t pread64(int fd, void *buf, size_t n, off_t off) { return pread(fd, buf, n, off); }
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  if (is_sim(fd)) return sim_write(fd, buf, n, off, 1);
  REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
  return real_pwrite(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return pwrite(fd, buf, n, off); }

off_t lseek(int fd, off_t off, int whence) {
  if (is_sim(fd)) {
    uint64_t a[6] = { (uint64_t)fd, (uint64_t)off, (uint64_t)whence };
    int64_t r;
    int err = rpc(OP_LSEEK, a, NULL, 0, NULL, 0, &r);
    return (off_t)fin(err, r);
  }
  REAL(off_t, lseek, int, off_t, int);
  return real_lseek(fd, off, whence);
}
off_t lseek64(int fd, off_t off, int whence) { return lseek(fd, off, whence); }

/* ---- DMA buffers as shared memory --------------------------------------------------- */
/* When the program hands the kernel a large anonymous buffer (MAP_DMA, IOAS_MAP), the server
 * asks (ACT_SHARE) that its pages become a memfd mapped at the same address with the same
 * protections and contents. The server opens the memfd through /proc/<pid>/fd, so a device's
 * DMA is a pwrite/pread of that file (tmpfs, about twice as fast as /proc/<pid>/mem), and the
 * pages outlive a munmap by the program while the simulator still has them pinned, as pinned
 * pages do in Linux. A fork gives the child private copies of what was private memory. */

struct shared { uintptr_t start, end; int prot, priv; };
#define MAXSHARED 256
static struct shared g_shared[MAXSHARED];
static int g_nshared;

struct piece { uintptr_t start, end; int prot, priv; };

/* The mappings of [s, e) from /proc/self/maps; 0 unless every page is readable anonymous
 * memory (private, or MAP_SHARED anonymous) other than the heap and the stack. */
static int anon_pieces(uintptr_t s, uintptr_t e, struct piece *out, int max) {
  REAL(int, open, const char *, int, ...);
  REAL(ssize_t, read, int, void *, size_t);
  REAL(int, close, int);
  int fd = real_open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (ssize_t k; buf && (k = real_read(fd, buf + len, cap - len - 1)) > 0;) {
    len += (size_t)k;
    if (cap - len < 4096) buf = realloc(buf, cap *= 2);
  }
  real_close(fd);
  if (!buf) return 0;
  buf[len] = 0;
  int n = 0;
  uintptr_t covered = s;
  for (char *line = buf; line && *line && covered < e; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
    unsigned long a, b, off, ino;
    char perms[5], dev[16];
    int at = 0;
    if (sscanf(line, "%lx-%lx %4s %lx %15s %lu%n", &a, &b, perms, &off, dev, &ino, &at) < 6) continue;
    if (b <= s || a >= e) continue;
    char *path = line + at;
    while (*path == ' ') path++;
    int plen = (int)strcspn(path, "\n");
    int shared_anon = plen == 19 && !strncmp(path, "/dev/zero (deleted)", 19);
    int private_anon = ino == 0 && (plen == 0 || !strncmp(path, "[anon:", 6)) && perms[3] == 'p';
    if (a > covered || n == max || perms[0] != 'r' || !(shared_anon || private_anon)) { n = 0; break; }
    out[n++] = (struct piece){ a > s ? a : s, b < e ? b : e,
                               PROT_READ | (perms[1] == 'w' ? PROT_WRITE : 0) | (perms[2] == 'x' ? PROT_EXEC : 0), private_anon };
    covered = b;
  }
  free(buf);
  return covered >= e ? n : 0;
}

/* Copy the pages of [s, e) that hold data (resident, or swapped out) into fd at offset - base. */
static void copy_present(int fd, uintptr_t s, uintptr_t e, uintptr_t base) {
  REAL(int, open, const char *, int, ...);
  REAL(ssize_t, pread, int, void *, size_t, off_t);
  REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
  REAL(int, close, int);
  int pm = real_open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  uint64_t ent[512];
  unsigned char vec[512];
  for (uintptr_t a = s; a < e;) {
    size_t n = (e - a) / 4096 < 512 ? (e - a) / 4096 : 512;
    int okpm = pm >= 0 && real_pread(pm, ent, n * 8, (off_t)(a / 4096 * 8)) == (ssize_t)(n * 8);
    int okmc = mincore((void *)a, n * 4096, vec) == 0;
    size_t run = 0;
    for (size_t i = 0; i <= n; i++) {
      int has = i < n && ((okpm && (ent[i] >> 62)) || (okmc && (vec[i] & 1)) || (!okpm && !okmc));
      if (has) { run++; continue; }
      uintptr_t from = a + (i - run) * 4096;
      if (run && real_pwrite(fd, (void *)from, run * 4096, (off_t)(from - base)) < 0) {}
      run = 0;
    }
    a += n * 4096;
  }
  if (pm >= 0) real_close(pm);
}

static void share_range(uintptr_t s, uintptr_t e) {
  REAL(void *, mmap, void *, size_t, int, int, int, off_t);
  REAL(int, fcntl, int, int, ...);
  REAL(int, close, int);
  struct piece p[16];
  int n = g_nshared + 16 <= MAXSHARED ? anon_pieces(s, e, p, 16) : 0;
  int fd = n ? memfd_create("vfio-sim-dma", MFD_CLOEXEC) : -1;
  if (fd >= 0 && ftruncate(fd, (off_t)(e - s)) == 0) {
    copy_present(fd, s, e, s);
    for (int i = 0; i < n; i++)
      if (real_mmap((void *)p[i].start, p[i].end - p[i].start, p[i].prot, MAP_SHARED | MAP_FIXED, fd, (off_t)(p[i].start - s)) == MAP_FAILED)
        die("vfio-sim shim: cannot remap %p as shared memory: %s\n", (void *)p[i].start, strerror(errno));
    for (int i = 0; i < n; i++) g_shared[g_nshared++] = (struct shared){ p[i].start, p[i].end, p[i].prot, p[i].priv };
    /* out of the program's fd numbers until the server has opened it */
    int high = real_fcntl(fd, F_DUPFD_CLOEXEC, 900);
    if (high >= 0) { real_close(fd); fd = high; }
  } else if (fd >= 0) {
    real_close(fd);
    fd = -1;
  }
  uint64_t a[6] = { (uint64_t)s, (uint64_t)(e - s), (uint64_t)(int64_t)fd };
  int64_t r;
  rpc(OP_SHARED, a, NULL, 0, NULL, 0, &r);
  if (fd >= 0) real_close(fd);
}

/* munmap of [s, e): the shared pieces there are gone (the server keeps the pages it pinned). */
static void forget_shared(uintptr_t s, uintptr_t e) {
  for (int i = 0; i < g_nshared;) {
    struct shared *x = &g_shared[i];
    if (x->start < e && s < x->end) {
      if (s <= x->start && e >= x->end) { *x = g_shared[--g_nshared]; continue; }
      if (s > x->start && e < x->end && g_nshared < MAXSHARED) {
        g_shared[g_nshared++] = (struct shared){ e, x->end, x->prot, x->priv };
        x->end = s;
      } else if (s <= x->start) x->start = e;
      else x->end = s;
    }
    i++;
  }
}

/* In a forked child: what was private memory becomes private again (copies of its pages). */
static void unshare_private(void) {
  REAL(void *, mmap, void *, size_t, int, int, int, off_t);
  REAL(int, munmap, void *, size_t);
  for (int i = 0; i < g_nshared;) {
    struct shared *x = &g_shared[i];
    if (!x->priv) { i++; continue; }
    size_t len = x->end - x->start;
    char *tmp = real_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (tmp == MAP_FAILED) die("vfio-sim shim: fork: no memory for a private copy\n");
    unsigned char vec[512];
    for (size_t off = 0; off < len; off += 512 * 4096) {
      size_t n = (len - off) / 4096 < 512 ? (len - off) / 4096 : 512;
      int okmc = mincore((void *)(x->start + off), n * 4096, vec) == 0;
      for (size_t k = 0; k < n; k++)
        if (!okmc || (vec[k] & 1)) memcpy(tmp + off + k * 4096, (void *)(x->start + off + k * 4096), 4096);
    }
    if (mprotect(tmp, len, x->prot) || mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)x->start) == MAP_FAILED)
      die("vfio-sim shim: fork: cannot make %p private again\n", (void *)x->start);
    *x = g_shared[--g_nshared];
  }
}

/* ---- BAR mmap and the MMIO trap ------------------------------------------------------ */

static struct trap *find_trap(uintptr_t a) {
  for (int i = 0; i < g_ntraps; i++)
    if (a >= g_traps[i].start && a < g_traps[i].end) return &g_traps[i];
  return NULL;
}

static void *sim_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  REAL(void *, mmap, void *, size_t, int, int, int, off_t);
  REAL(int, munmap, void *, size_t);
  int keep = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
  void *r = real_mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | keep, -1, 0);
  if (r == MAP_FAILED) return r;
  uint64_t a[6] = { (uint64_t)(uintptr_t)r, len, (uint64_t)prot, (uint64_t)((flags & ~MAP_FIXED_NOREPLACE) | MAP_FIXED), (uint64_t)fd, (uint64_t)off };
  int64_t ret;
  int err = rpc(OP_MMAP, a, NULL, 0, NULL, 0, &ret);
  if (err) {
    real_munmap(r, len);
    errno = -err;
    return MAP_FAILED;
  }
  if (g_ntraps < MAXTRAP) g_traps[g_ntraps++] = (struct trap){ (uintptr_t)r, (uintptr_t)r + ((len + 4095) & ~4095ul) };
  return r;
}

/* MAP_HUGETLB without reserved huge pages fails on most machines: the program gets ordinary
 * memory aligned to the huge page size, and the simulator backs its mirror with huge pages. */
static void *huge_mmap(void *addr, size_t len, int prot, int flags) {
  REAL(void *, mmap, void *, size_t, int, int, int, off_t);
  REAL(int, munmap, void *, size_t);
  int shift = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
  size_t hsz = (size_t)1 << (shift ? shift : 21);
  size_t l = (len + hsz - 1) & ~(hsz - 1);
  int f = (flags & ~(MAP_HUGETLB | (MAP_HUGE_MASK << MAP_HUGE_SHIFT))) | MAP_NORESERVE;
  char *r;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    r = real_mmap(addr, l, prot, f, -1, 0);
  } else {
    char *raw = real_mmap(NULL, l + hsz, prot, f, -1, 0);
    if (raw == MAP_FAILED) return raw;
    r = (char *)(((uintptr_t)raw + hsz - 1) & ~(uintptr_t)(hsz - 1));
    if (r > raw) real_munmap(raw, (size_t)(r - raw));
    if (r + l < raw + l + hsz) real_munmap(r + l, (size_t)(raw + l + hsz - (r + l)));
  }
  if (r == MAP_FAILED) return r;
  uint64_t a[6] = { (uint64_t)(uintptr_t)r, l, (uint64_t)(flags & (MAP_HUGE_MASK << MAP_HUGE_SHIFT)) };
  int64_t ret;
  rpc(OP_HUGE, a, NULL, 0, NULL, 0, &ret);
  return r;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  if (is_sim(fd)) return sim_mmap(addr, len, prot, flags, fd, off);
  if (g_on && (flags & MAP_HUGETLB) && (flags & MAP_ANONYMOUS)) return huge_mmap(addr, len, prot, flags);
  REAL(void *, mmap, void *, size_t, int, int, int, off_t);
  return real_mmap(addr, len, prot, flags, fd, off);
}
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) { return mmap(addr, len, prot, flags, fd, off); }

int munmap(void *addr, size_t len) {
  REAL(int, munmap, void *, size_t);
  uintptr_t s = (uintptr_t)addr, e = s + len;
  int hit = 0;
  for (int i = 0; i < g_ntraps;) {
    if (g_traps[i].start < e && s < g_traps[i].end) {
      hit = 1;
      if (s <= g_traps[i].start && e >= g_traps[i].end) { g_traps[i] = g_traps[--g_ntraps]; continue; }
      if (s <= g_traps[i].start) g_traps[i].start = e; else g_traps[i].end = s;
    }
    i++;
  }
  if (g_on && len > 0 && !(s & 4095)) {
    /* every unmap is told, so the simulator stops mirroring memory that is gone */
    forget_shared(s, (e + 4095) & ~(uintptr_t)4095);
    uint64_t a[6] = { (uint64_t)s, len, (uint64_t)hit };
    int64_t r;
    int err = rpc(OP_MUNMAP, a, NULL, 0, NULL, 0, &r);
    if (err && hit) { errno = -err; return -1; }
  }
  return real_munmap(addr, len);
}

static const int GREG[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                              REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15 };

struct insn { int len, store, size, reg, rex, signx, dsize, imm; uint64_t immv; };

/* Decodes the x86-64 forms compilers emit for volatile loads and stores; 0 when it cannot. */
static int decode(const unsigned char *b, struct insn *d) {
  int i = 0, o16 = 0, rex = 0;
  memset(d, 0, sizeof *d);
  for (;; i++) {
    unsigned char c = b[i];
    if (c == 0x66) o16 = 1;
    else if (c == 0x2e || c == 0x3e || c == 0x26 || c == 0x36 || c == 0x64 || c == 0x65 || c == 0xf0) continue;
    else break;
  }
  if ((b[i] & 0xf0) == 0x40) rex = b[i++];
  int w = (rex & 8) ? 8 : o16 ? 2 : 4;
  int op = b[i++], op2 = -1;
  if (op == 0x0f) op2 = b[i++];
  if (op >= 0xa0 && op <= 0xa3) { /* mov moffs */
    d->store = op >= 0xa2; d->size = (op & 1) ? w : 1; d->dsize = d->size; d->reg = 0; d->rex = rex;
    d->len = i + 8;
    return 1;
  }
  int m = b[i++];
  int mod = m >> 6, reg = ((m >> 3) & 7) | ((rex & 4) ? 8 : 0), rm = m & 7;
  if (mod == 3) return 0;
  if (rm == 4) { int base = b[i++] & 7; if (mod == 0 && base == 5) i += 4; }
  else if (mod == 0 && rm == 5) i += 4;
  if (mod == 1) i += 1; else if (mod == 2) i += 4;
  d->reg = reg; d->rex = rex;
  if (op2 < 0) {
    switch (op) {
      case 0x88: d->store = 1; d->size = 1; break;
      case 0x89: d->store = 1; d->size = w; break;
      case 0x8a: d->size = 1; d->dsize = 1; break;
      case 0x8b: d->size = w; d->dsize = w; break;
      case 0x63: if (!(rex & 8)) return 0; d->size = 4; d->dsize = 8; d->signx = 1; break;
      case 0xc6: if ((m >> 3) & 7) return 0; d->store = 1; d->size = 1; d->imm = 1; d->immv = b[i]; i += 1; break;
      case 0xc7: {
        if ((m >> 3) & 7) return 0;
        d->store = 1; d->size = w; d->imm = 1;
        if (w == 2) { d->immv = (uint16_t)(b[i] | (b[i + 1] << 8)); i += 2; }
        else { int32_t v; memcpy(&v, b + i, 4); d->immv = (uint64_t)(int64_t)v; i += 4; }
        break;
      }
      default: return 0;
    }
  } else {
    if (op2 != 0xb6 && op2 != 0xb7 && op2 != 0xbe && op2 != 0xbf) return 0;
    d->size = (op2 & 1) ? 2 : 1; d->dsize = w; d->signx = op2 >= 0xbe;
  }
  d->len = i;
  return 1;
}

static uint64_t reg_get(ucontext_t *uc, int reg, int size, int rex) {
  greg_t *g = uc->uc_mcontext.gregs;
  if (size == 1 && !rex && reg >= 4 && reg < 8) return ((uint64_t)g[GREG[reg - 4]] >> 8) & 0xff;
  uint64_t v = (uint64_t)g[GREG[reg]];
  return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
}

static void reg_set(ucontext_t *uc, int reg, int size, int rex, uint64_t v) {
  greg_t *g = uc->uc_mcontext.gregs;
  if (size == 1 && !rex && reg >= 4 && reg < 8) {
    uint64_t o = (uint64_t)g[GREG[reg - 4]];
    g[GREG[reg - 4]] = (greg_t)((o & ~0xff00ull) | ((v & 0xff) << 8));
    return;
  }
  uint64_t o = (uint64_t)g[GREG[reg]];
  if (size == 1) v = (o & ~0xffull) | (v & 0xff);
  else if (size == 2) v = (o & ~0xffffull) | (v & 0xffff);
  else if (size == 4) v &= 0xffffffffull;
  g[GREG[reg]] = (greg_t)v;
}

static void on_segv(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  uintptr_t addr = (uintptr_t)si->si_addr;
  if (!find_trap(addr)) {
    signal(sig, SIG_DFL);
    return; /* the access faults again and the default action runs */
  }
  const unsigned char *ip = (const unsigned char *)uc->uc_mcontext.gregs[REG_RIP];
  struct insn d;
  if (!decode(ip, &d)) {
    char hex[64] = "";
    for (int k = 0; k < 15; k++) snprintf(hex + k * 3, 4, "%02x ", ip[k]);
    fprintf(stderr, "vfio-sim: cannot emulate the instruction at %p accessing MMIO address %p (bytes %s)\n",
            (void *)ip, (void *)addr, hex);
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    _exit(128 + SIGSEGV);
  }
  uint64_t v = 0;
  if (d.store) v = d.imm ? d.immv : reg_get(uc, d.reg, d.size, d.rex);
  uint64_t a[6] = { (uint64_t)addr, (uint64_t)d.size, (uint64_t)d.store, v };
  int64_t r;
  int err = rpc(OP_MMIO, a, NULL, 0, NULL, 0, &r);
  if (err) {
    fprintf(stderr, "vfio-sim: MMIO %s of %d bytes at %p: SIGBUS (%s)\n", d.store ? "store" : "load", d.size, (void *)addr, strerror(-err));
    signal(SIGBUS, SIG_DFL);
    raise(SIGBUS);
    _exit(128 + SIGBUS);
  }
  if (!d.store) {
    uint64_t x = (uint64_t)r;
    if (d.size < 8) x &= (1ull << (d.size * 8)) - 1;
    if (d.signx) { int sh = 64 - d.size * 8; x = (uint64_t)(((int64_t)(x << sh)) >> sh); }
    reg_set(uc, d.reg, d.dsize, d.rex, x);
  }
  uc->uc_mcontext.gregs[REG_RIP] += d.len;
}

/* ---- waiting on the eventfds the simulator signals ------------------------------------ */

static int wait_watched(const int *fds, int n, long long timeout_ns) {
  uint64_t a[6] = { (uint64_t)n, (uint64_t)timeout_ns };
  int64_t r;
  return rpc(OP_WAIT, a, fds, (size_t)n * sizeof(int), NULL, 0, &r);
}

static int collect_poll(struct pollfd *fds, nfds_t n, int *out) {
  int k = 0;
  for (nfds_t i = 0; i < n && k < 64; i++) if (is_watch(fds[i].fd)) out[k++] = fds[i].fd;
  return k;
}

int poll(struct pollfd *fds, nfds_t n, int timeout) {
  REAL(int, poll, struct pollfd *, nfds_t, int);
  int w[64], k = collect_poll(fds, n, w);
  if (!k) return real_poll(fds, n, timeout);
  int r = real_poll(fds, n, 0);
  if (r != 0 || timeout == 0) return r;
  int err = wait_watched(w, k, timeout < 0 ? -1 : (long long)timeout * 1000000ll);
  if (err && err != -ETIMEDOUT) { errno = -err; return -1; }
  return real_poll(fds, n, 0);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask) {
  REAL(int, ppoll, struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
  int w[64], k = collect_poll(fds, n, w);
  if (!k) return real_ppoll(fds, n, ts, mask);
  struct timespec zero = { 0, 0 };
  int r = real_ppoll(fds, n, &zero, mask);
  if (r != 0 || (ts && !ts->tv_sec && !ts->tv_nsec)) return r;
  int err = wait_watched(w, k, ts ? ts->tv_sec * 1000000000ll + ts->tv_nsec : -1);
  if (err && err != -ETIMEDOUT) { errno = -err; return -1; }
  return real_ppoll(fds, n, &zero, mask);
}

int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv) {
  REAL(int, select, int, fd_set *, fd_set *, fd_set *, struct timeval *);
  int w[64], k = 0;
  for (int fd = 0; rd && fd < nfds && k < 64; fd++) if (FD_ISSET(fd, rd) && is_watch(fd)) w[k++] = fd;
  if (!k) return real_select(nfds, rd, wr, ex, tv);
  fd_set r0, w0, e0;
  if (rd) r0 = *rd;
  if (wr) w0 = *wr;
  if (ex) e0 = *ex;
  struct timeval zero = { 0, 0 };
  int r = real_select(nfds, rd, wr, ex, &zero);
  if (r != 0 || (tv && !tv->tv_sec && !tv->tv_usec)) return r;
  int err = wait_watched(w, k, tv ? tv->tv_sec * 1000000000ll + tv->tv_usec * 1000ll : -1);
  if (err && err != -ETIMEDOUT) { errno = -err; return -1; }
  if (rd) *rd = r0;
  if (wr) *wr = w0;
  if (ex) *ex = e0;
  return real_select(nfds, rd, wr, ex, &zero);
}

struct epw { int ep, fd; };
#define MAXEPW 1024
static struct epw g_epw[MAXEPW];
static int g_nepw;

int epoll_ctl(int ep, int op, int fd, struct epoll_event *ev) {
  REAL(int, epoll_ctl, int, int, int, struct epoll_event *);
  int r = real_epoll_ctl(ep, op, fd, ev);
  if (r == 0 && g_on && op == EPOLL_CTL_ADD && g_nepw < MAXEPW) g_epw[g_nepw++] = (struct epw){ ep, fd };
  if (r == 0 && op == EPOLL_CTL_DEL)
    for (int i = 0; i < g_nepw; i++) if (g_epw[i].ep == ep && g_epw[i].fd == fd) { g_epw[i] = g_epw[--g_nepw]; break; }
  return r;
}

static int epoll_watched(int ep, int *w) {
  int k = 0;
  for (int i = 0; i < g_nepw && k < 64; i++) if (g_epw[i].ep == ep && is_watch(g_epw[i].fd)) w[k++] = g_epw[i].fd;
  return k;
}

int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout) {
  REAL(int, epoll_wait, int, struct epoll_event *, int, int);
  int w[64], k = epoll_watched(ep, w);
  if (!k) return real_epoll_wait(ep, ev, max, timeout);
  int r = real_epoll_wait(ep, ev, max, 0);
  if (r != 0 || timeout == 0) return r;
  int err = wait_watched(w, k, timeout < 0 ? -1 : (long long)timeout * 1000000ll);
  if (err && err != -ETIMEDOUT) { errno = -err; return -1; }
  return real_epoll_wait(ep, ev, max, 0);
}

int epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask) {
  REAL(int, epoll_pwait, int, struct epoll_event *, int, int, const sigset_t *);
  int w[64], k = epoll_watched(ep, w);
  if (!k) return real_epoll_pwait(ep, ev, max, timeout, mask);
  return epoll_wait(ep, ev, max, timeout);
}

/* ---- time: sleeps advance the virtual clock (and return at once) ----------------------- */

static int vsleep(long long ns) {
  if (ns < 0) ns = 0;
  uint64_t a[6] = { (uint64_t)ns };
  int64_t r;
  return rpc(OP_SLEEP, a, NULL, 0, NULL, 0, &r);
}

int nanosleep(const struct timespec *req, struct timespec *rem) {
  REAL(int, nanosleep, const struct timespec *, struct timespec *);
  if (!g_on) return real_nanosleep(req, rem);
  if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000) { errno = req ? EINVAL : EFAULT; return -1; }
  vsleep(req->tv_sec * 1000000000ll + req->tv_nsec);
  if (rem) rem->tv_sec = rem->tv_nsec = 0;
  return 0;
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) {
  REAL(int, clock_nanosleep, clockid_t, int, const struct timespec *, struct timespec *);
  if (!g_on) return real_clock_nanosleep(clk, flags, req, rem);
  if (req->tv_nsec < 0 || req->tv_nsec >= 1000000000) return EINVAL;
  long long ns = req->tv_sec * 1000000000ll + req->tv_nsec;
  if (flags & TIMER_ABSTIME) {
    struct timespec now;
    clock_gettime(clk, &now);
    ns -= now.tv_sec * 1000000000ll + now.tv_nsec;
  }
  vsleep(ns);
  return 0;
}

int usleep(useconds_t us) {
  REAL(int, usleep, useconds_t);
  if (!g_on) return real_usleep(us);
  vsleep((long long)us * 1000);
  return 0;
}

unsigned int sleep(unsigned int s) {
  REAL(unsigned int, sleep, unsigned int);
  if (!g_on) return real_sleep(s);
  vsleep((long long)s * 1000000000ll);
  return 0;
}

/* ---- fork: the child is the simulated process's fork --------------------------------- */

pid_t fork(void) {
  REAL(pid_t, fork, void);
  if (!g_on) return real_fork();
  int64_t token;
  uint64_t a[6] = { 0 };
  int err = rpc(OP_PREFORK, a, NULL, 0, NULL, 0, &token);
  if (err) { errno = -err; return -1; }
  pid_t pid = real_fork();
  if (pid == 0) {
    REAL(int, close, int);
    unshare_private();
    if (t_sock >= 0 && t_sock < MAXFD) g_ours[t_sock] = 0;
    real_close(t_sock);
    t_sock = -1;
    g_fork_token = (uint64_t)token;
    g_pid = getpid();
    const char *srv = getenv("VFIO_SIM_SERVER_PID");
    if (srv) prctl(PR_SET_PTRACER, (unsigned long)atol(srv), 0, 0, 0);
    sock();
  }
  return pid;
}

/* ---- paths: stat, readlink, realpath, access, directories, stdio ---------------------- */

struct simstat { uint32_t mode, uid, gid, nlink; uint64_t size, rdev, ino; };

static void fill_stat(struct stat *st, const struct simstat *s) {
  memset(st, 0, sizeof *st);
  st->st_mode = s->mode;
  st->st_uid = s->uid;
  st->st_gid = s->gid;
  st->st_nlink = s->nlink;
  st->st_size = (off_t)s->size;
  st->st_rdev = s->rdev;
  st->st_ino = s->ino;
  st->st_dev = 0x5f;
  st->st_blksize = 4096;
}

static int sim_stat(const char *path, int nofollow, struct stat *st) {
  if (own_pagemap(path)) path = "/proc/self/pagemap";
  struct simstat s;
  uint64_t a[6] = { (uint64_t)nofollow };
  int64_t r;
  int err = rpc(OP_STAT, a, path, strlen(path) + 1, &s, sizeof s, &r);
  if (err) { errno = -err; return -1; }
  if (st) fill_stat(st, &s);
  return 0;
}

static int sim_fstat(int fd, struct stat *st) {
  struct simstat s;
  uint64_t a[6] = { (uint64_t)fd };
  int64_t r;
  int err = rpc(OP_FSTAT, a, NULL, 0, &s, sizeof s, &r);
  if (err) { errno = -err; return -1; }
  fill_stat(st, &s);
  return 0;
}

int stat(const char *p, struct stat *st) {
  if (sim_path(p)) return sim_stat(p, 0, st);
  REAL(int, stat, const char *, struct stat *);
  return real_stat(p, st);
}
int stat64(const char *p, struct stat64 *st) { return stat(p, (struct stat *)st); }
int lstat(const char *p, struct stat *st) {
  if (sim_path(p)) return sim_stat(p, 1, st);
  REAL(int, lstat, const char *, struct stat *);
  return real_lstat(p, st);
}
int lstat64(const char *p, struct stat64 *st) { return lstat(p, (struct stat *)st); }
int fstat(int fd, struct stat *st) {
  if (is_sim(fd)) return sim_fstat(fd, st);
  REAL(int, fstat, int, struct stat *);
  return real_fstat(fd, st);
}
int fstat64(int fd, struct stat64 *st) { return fstat(fd, (struct stat *)st); }
int fstatat(int dirfd, const char *p, struct stat *st, int flags) {
  if (!*p && (flags & AT_EMPTY_PATH) && is_sim(dirfd)) return sim_fstat(dirfd, st);
  if (sim_path(p)) return sim_stat(p, (flags & AT_SYMLINK_NOFOLLOW) != 0, st);
  REAL(int, fstatat, int, const char *, struct stat *, int);
  return real_fstatat(dirfd, p, st, flags);
}
int fstatat64(int dirfd, const char *p, struct stat64 *st, int flags) { return fstatat(dirfd, p, (struct stat *)st, flags); }

int statx(int dirfd, const char *p, int flags, unsigned int mask, struct statx *sx) {
  struct stat st;
  int r;
  if (!*p && (flags & AT_EMPTY_PATH) && is_sim(dirfd)) r = sim_fstat(dirfd, &st);
  else if (sim_path(p)) r = sim_stat(p, (flags & AT_SYMLINK_NOFOLLOW) != 0, &st);
  else {
    REAL(int, statx, int, const char *, int, unsigned int, struct statx *);
    return real_statx(dirfd, p, flags, mask, sx);
  }
  if (r) return r;
  memset(sx, 0, sizeof *sx);
  sx->stx_mask = STATX_BASIC_STATS;
  sx->stx_mode = st.st_mode;
  sx->stx_uid = st.st_uid;
  sx->stx_gid = st.st_gid;
  sx->stx_nlink = st.st_nlink;
  sx->stx_size = st.st_size;
  sx->stx_ino = st.st_ino;
  sx->stx_blksize = 4096;
  sx->stx_rdev_major = major(st.st_rdev);
  sx->stx_rdev_minor = minor(st.st_rdev);
  return 0;
}

int access(const char *p, int mode) {
  if (sim_path(p)) {
    uint64_t a[6] = { 0, (uint64_t)mode };
    int64_t r;
    struct simstat s;
    int err = rpc(OP_STAT, a, p, strlen(p) + 1, &s, sizeof s, &r);
    return (int)fin(err, 0);
  }
  REAL(int, access, const char *, int);
  return real_access(p, mode);
}
int faccessat(int dirfd, const char *p, int mode, int flags) {
  if (sim_path(p)) return access(p, mode);
  REAL(int, faccessat, int, const char *, int, int);
  return real_faccessat(dirfd, p, mode, flags);
}
int euidaccess(const char *p, int mode) {
  if (sim_path(p)) return access(p, mode);
  REAL(int, euidaccess, const char *, int);
  return real_euidaccess(p, mode);
}

static ssize_t sim_pathop(uint32_t op, const char *p, char *buf, size_t n) {
  int64_t r;
  uint64_t a[6] = { 0 };
  int err = rpc(op, a, p, strlen(p) + 1, buf, n, &r);
  return fin(err, r < (int64_t)n ? r : (int64_t)n);
}

ssize_t readlink(const char *p, char *buf, size_t n) {
  if (sim_path(p)) return sim_pathop(OP_READLINK, p, buf, n);
  REAL(ssize_t, readlink, const char *, char *, size_t);
  return real_readlink(p, buf, n);
}
ssize_t readlinkat(int dirfd, const char *p, char *buf, size_t n) {
  if (sim_path(p)) return sim_pathop(OP_READLINK, p, buf, n);
  REAL(ssize_t, readlinkat, int, const char *, char *, size_t);
  return real_readlinkat(dirfd, p, buf, n);
}

char *realpath(const char *p, char *resolved) {
  if (sim_path(p)) {
    char buf[4096];
    ssize_t n = sim_pathop(OP_REALPATH, p, buf, sizeof buf - 1);
    if (n < 0) return NULL;
    buf[n] = 0;
    if (!resolved) return strdup(buf);
    memcpy(resolved, buf, (size_t)n + 1);
    return resolved;
  }
  REAL(char *, realpath, const char *, char *);
  return real_realpath(p, resolved);
}
char *__realpath_chk(const char *p, char *resolved, size_t n) { (void)n; return realpath(p, resolved); }
ssize_t __readlink_chk(const char *p, char *buf, size_t n, size_t bn) { (void)bn; return readlink(p, buf, n); }

/* A simulated directory: the names the server listed, handed out one dirent at a time. */
struct simdir { uint32_t magic; int fd; size_t pos, len; char *names; struct dirent ent; struct dirent64 ent64; };
#define SIMDIR_MAGIC 0x5d1a5d1au
#define MAXDIRS 64
static struct simdir *g_dirs[MAXDIRS];

static struct simdir *as_simdir(void *d) {
  for (int i = 0; i < MAXDIRS; i++) if (g_dirs[i] && (void *)g_dirs[i] == d) return g_dirs[i];
  return NULL;
}

DIR *opendir(const char *p) {
  if (!sim_path(p)) {
    REAL(DIR *, opendir, const char *);
    return real_opendir(p);
  }
  size_t cap = 1 << 16;
  char *buf = malloc(cap);
  int64_t r;
  uint64_t a[6] = { 0 };
  int err = rpc(OP_READDIR, a, p, strlen(p) + 1, buf, cap, &r);
  if (err) { free(buf); errno = -err; return NULL; }
  struct simdir *d = calloc(1, sizeof *d);
  d->magic = SIMDIR_MAGIC;
  d->names = buf;
  d->len = (size_t)r < cap ? (size_t)r : cap;
  d->fd = -1;
  for (int i = 0; i < MAXDIRS; i++) if (!g_dirs[i]) { g_dirs[i] = d; return (DIR *)d; }
  free(buf);
  free(d);
  errno = EMFILE;
  return NULL;
}

/* Entries are "<d_type byte><name>\0". */
static int next_name(struct simdir *d, unsigned char *type, const char **name) {
  if (d->pos >= d->len) return 0;
  *type = (unsigned char)d->names[d->pos];
  *name = d->names + d->pos + 1;
  d->pos += strlen(*name) + 2;
  return 1;
}

struct dirent *readdir(DIR *dir) {
  struct simdir *d = as_simdir(dir);
  if (!d) {
    REAL(struct dirent *, readdir, DIR *);
    return real_readdir(dir);
  }
  unsigned char t;
  const char *n;
  if (!next_name(d, &t, &n)) return NULL;
  d->ent.d_ino = d->pos;
  d->ent.d_type = t;
  snprintf(d->ent.d_name, sizeof d->ent.d_name, "%s", n);
  return &d->ent;
}
struct dirent64 *readdir64(DIR *dir) {
  struct simdir *d = as_simdir(dir);
  if (!d) {
    REAL(struct dirent64 *, readdir64, DIR *);
    return real_readdir64(dir);
  }
  return (struct dirent64 *)readdir(dir);
}
int closedir(DIR *dir) {
  struct simdir *d = as_simdir(dir);
  if (!d) {
    REAL(int, closedir, DIR *);
    return real_closedir(dir);
  }
  for (int i = 0; i < MAXDIRS; i++) if (g_dirs[i] == d) g_dirs[i] = NULL;
  free(d->names);
  free(d);
  return 0;
}
void rewinddir(DIR *dir) {
  struct simdir *d = as_simdir(dir);
  if (!d) {
    REAL(void, rewinddir, DIR *);
    real_rewinddir(dir);
    return;
  }
  d->pos = 0;
}
int dirfd(DIR *dir) {
  struct simdir *d = as_simdir(dir);
  if (!d) {
    REAL(int, dirfd, DIR *);
    return real_dirfd(dir);
  }
  errno = ENOTSUP;
  return -1;
}

static ssize_t ck_read(void *c, char *buf, size_t n) { return read((int)(intptr_t)c, buf, n); }
static ssize_t ck_write(void *c, const char *buf, size_t n) { return write((int)(intptr_t)c, buf, n); }
static int ck_seek(void *c, off64_t *off, int whence) {
  off_t r = lseek((int)(intptr_t)c, *off, whence);
  if (r < 0) return -1;
  *off = r;
  return 0;
}
static int ck_close(void *c) { return close((int)(intptr_t)c); }

static int mode_flags(const char *m) {
  int plus = strchr(m, '+') != NULL, f;
  if (m[0] == 'r') f = plus ? O_RDWR : O_RDONLY;
  else if (m[0] == 'w') f = (plus ? O_RDWR : O_WRONLY) | O_TRUNC | O_CREAT;
  else f = (plus ? O_RDWR : O_WRONLY) | O_APPEND | O_CREAT;
  if (strchr(m, 'e')) f |= O_CLOEXEC;
  return f;
}

FILE *fopen(const char *p, const char *m) {
  if (sim_path(p)) {
    int fd = sim_open(p, mode_flags(m) & ~O_CREAT, 0);
    if (fd < 0) return NULL;
    cookie_io_functions_t io = { ck_read, ck_write, ck_seek, ck_close };
    FILE *f = fopencookie((void *)(intptr_t)fd, m, io);
    if (!f) close(fd);
    return f;
  }
  REAL(FILE *, fopen, const char *, const char *);
  return real_fopen(p, m);
}
FILE *fopen64(const char *p, const char *m) { return fopen(p, m); }

/* ---- the bench's floor: one round trip that does nothing ------------------------------ */

long vfio_sim_echo(long v) {
  uint64_t a[6] = { (uint64_t)v };
  int64_t r;
  rpc(OP_ECHO, a, NULL, 0, NULL, 0, &r);
  return (long)r;
}
