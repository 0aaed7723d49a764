/* zonectl-uname-shim: tells a zone the kernel it was built for.
 *
 * Node.js can neither receive a file descriptor over a unix socket nor issue the
 * seccomp ioctls, so this small program does the two things that need them; when
 * to use it, what to answer and its life cycle are decided in TypeScript
 * (src/backends/linux/uname-shim.ts).
 *
 *   zonectl-uname-shim serve --socket PATH --pidfile PATH --release R --version V
 *                            --machine M [--machine32 M32] [--watch-pid PID] [--first-timeout S]
 *                            [--until-idle]
 *     Daemonizes once its socket listens (the parent exits 0 then, or 1 with the
 *     reason). The OCI runtime connects to the socket (the profile's listenerPath)
 *     for each process it starts under the zone's filter and passes the seccomp
 *     notify fd with SCM_RIGHTS. Each uname, olduname and oldolduname is answered
 *     with the zone's release and version, the nodename and domainname of the
 *     caller's UTS namespace, and machine per the caller's personality (LINUX32:
 *     M32). Exits when the first fd (the zone's init's filter) hangs up, on
 *     SIGTERM, or, before any runtime connected, when --watch-pid is gone or
 *     --first-timeout seconds passed: no supervisor outlives its zone or a crashed
 *     zonectl. With --until-idle (a replacement for one that died, serving later
 *     execs), it exits when none of its fds has a process left.
 *
 *   zonectl-uname-shim mount --pid PID SRC:DEST [SRC:DEST ...]
 *     Bind-mounts each host file SRC read-only at DEST inside PID's mount
 *     namespace (for /proc files the runtime refuses to mount: open_tree +
 *     move_mount, Linux 5.12+).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define PER_LINUX32_BITS 0x0008
#define PER_MASK 0x00ff
#define X32_SYSCALL_BIT 0x40000000
#define MAX_FDS 256

struct mount_attr_compat {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* ------------------------------------------------------------------ messages */

static int err_fd = 2; /* the pipe to the waiting parent until daemonized */

static void fail(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if (n > (int)sizeof buf - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  if (write(err_fd, buf, n) < 0) { /* nothing left to tell */ }
  exit(1);
}

/* ------------------------------------------------------------------ mount */

static int do_mount(int argc, char **argv) {
  pid_t pid = 0;
  int first = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc) pid = atoi(argv[++i]);
    else { first = i; break; }
  }
  if (pid <= 0 || first == 0) fail("usage: mount --pid PID SRC:DEST ...");
  int n = argc - first;
  int trees[64];
  char *dests[64];
  if (n > 64) fail("too many mounts");
  /* Detached copies of the host files, read-only, made in our own namespace. */
  for (int i = 0; i < n; i++) {
    char *spec = argv[first + i];
    char *colon = strchr(spec, ':');
    if (colon == NULL) fail("%s: expected SRC:DEST", spec);
    *colon = '\0';
    dests[i] = colon + 1;
    trees[i] = (int)syscall(SYS_open_tree, AT_FDCWD, spec, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (trees[i] < 0) fail("open_tree %s: %s", spec, strerror(errno));
    struct mount_attr_compat attr = {.attr_set = MOUNT_ATTR_RDONLY};
    if (syscall(SYS_mount_setattr, trees[i], "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
      fail("mount_setattr %s: %s", spec, strerror(errno));
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/mnt", pid);
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) fail("%s: %s", path, strerror(errno));
  /* Joining a mount namespace also moves our root to its root: DEST is the zone's. */
  if (setns(ns, CLONE_NEWNS) < 0) fail("setns %s: %s", path, strerror(errno));
  for (int i = 0; i < n; i++) {
    if (syscall(SYS_move_mount, trees[i], "", AT_FDCWD, dests[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
      fail("move_mount onto %s in pid %d's namespace: %s", dests[i], pid, strerror(errno));
  }
  return 0;
}

/* ------------------------------------------------------------------ serve */

struct answer {
  const char *release, *version, *machine, *machine32;
};

static volatile sig_atomic_t stop;
static const char *socket_path, *pid_path;

static void on_term(int sig) {
  (void)sig;
  stop = 1;
}

static void cleanup(void) {
  if (socket_path != NULL) unlink(socket_path);
  if (pid_path != NULL) unlink(pid_path);
}

/* The UTS namespace whose nodename we report: joined once per namespace seen. */
static ino_t current_uts;

static int caller_uts(pid_t pid, struct utsname *out) {
  char path[64];
  struct stat st;
  snprintf(path, sizeof path, "/proc/%d/ns/uts", pid);
  if (stat(path, &st) < 0) return -1;
  if (st.st_ino != current_uts) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = setns(fd, CLONE_NEWUTS);
    close(fd);
    if (r < 0) return -1;
    current_uts = st.st_ino;
  }
  return uname(out);
}

static int caller_is_linux32(pid_t pid) {
  char path[64], buf[32];
  snprintf(path, sizeof path, "/proc/%d/personality", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return (strtoul(buf, NULL, 16) & PER_MASK) == PER_LINUX32_BITS;
}

enum layout { NEW_UTS, OLD_UTS, OLDOLD_UTS, UNKNOWN_CALL };

/* new_utsname: 6 x 65 bytes; old_utsname: 5 x 65 (no domainname); oldold: 5 x 9. */
static enum layout layout_of(uint32_t arch, int nr) {
  if (arch == AUDIT_ARCH_X86_64) {
    if (nr == SYS_uname || nr == (SYS_uname | X32_SYSCALL_BIT)) return NEW_UTS;
  } else if (arch == AUDIT_ARCH_I386) {
    if (nr == 122) return NEW_UTS;   /* newuname */
    if (nr == 109) return OLD_UTS;   /* olduname */
    if (nr == 59) return OLDOLD_UTS; /* oldolduname */
  }
#ifdef AUDIT_ARCH_AARCH64
  else if (arch == AUDIT_ARCH_AARCH64 && nr == 160) return NEW_UTS;
#endif
#ifdef AUDIT_ARCH_ARM
  else if (arch == AUDIT_ARCH_ARM && nr == 122) return NEW_UTS; /* 32-bit ARM on arm64 */
#endif
  return UNKNOWN_CALL;
}

static size_t fill(enum layout l, char *buf, const struct utsname *host, const struct answer *a, int linux32) {
  size_t w = l == OLDOLD_UTS ? 9 : 65;
  int fields = l == NEW_UTS ? 6 : 5;
  const char *vals[6] = {"Linux", host->nodename, a->release, a->version, linux32 ? a->machine32 : a->machine,
#ifdef _GNU_SOURCE
                         host->domainname
#else
                         "(none)"
#endif
  };
  memset(buf, 0, w * fields);
  for (int i = 0; i < fields; i++) {
    strncpy(buf + i * w, vals[i], w - 1);
  }
  return w * fields;
}

static void answer_one(int nfd, struct seccomp_notif *req, struct seccomp_notif_resp *resp, size_t resp_size,
                       const struct answer *a) {
  memset(resp, 0, resp_size);
  resp->id = req->id;
  enum layout l = layout_of(req->data.arch, req->data.nr);
  if (l == UNKNOWN_CALL) {
    /* Not ours to answer: let the kernel run it. */
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  } else {
    struct utsname host;
    char buf[6 * 65];
    if (caller_uts(req->pid, &host) < 0) {
      resp->error = -EFAULT;
    } else {
      size_t len = fill(l, buf, &host, a, caller_is_linux32(req->pid));
      /* The caller may have died and its pid been reused: only write while the
       * notification is still live. */
      if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0) return;
      struct iovec local = {buf, len};
      struct iovec remote = {(void *)(uintptr_t)req->data.args[0], len};
      if (process_vm_writev(req->pid, &local, 1, &remote, 1, 0) != (ssize_t)len) resp->error = -EFAULT;
    }
  }
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT) {
    /* ENOENT: the caller is gone (killed mid-call); nothing to tell anyone. */
  }
}

/* Takes the notify fd the runtime sends, and drops the container state after it. */
static int receive_fd(int conn) {
  char data[8192];
  char control[CMSG_SPACE(sizeof(int) * 4)];
  struct iovec iov = {data, sizeof data};
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return -1;
  int fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      int *fds = (int *)CMSG_DATA(c);
      for (int i = 0; i < count; i++) {
        if (fd < 0) fd = fds[i];
        else close(fds[i]);
      }
    }
  }
  return fd;
}

static int listen_on(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) fail("%s: socket path too long", path);
  strcpy(addr.sun_path, path);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) fail("socket: %s", strerror(errno));
  unlink(path);
  if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0) fail("bind %s: %s", path, strerror(errno));
  chmod(path, 0600);
  if (listen(s, 16) < 0) fail("listen %s: %s", path, strerror(errno));
  return s;
}

static void write_pidfile(const char *path) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d\n", getpid());
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, buf, n) != n || close(fd) < 0 || rename(tmp, path) < 0) fail("pidfile %s: %s", path, strerror(errno));
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* until_idle: a supervisor started for later execs (the first one died) serves until
 * no filter it holds has a process left, not until its first one closes. */
static int serve_loop(int lsock, const struct answer *a, pid_t watch, long first_timeout_ms, int until_idle) {
  struct seccomp_notif_sizes sizes;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) return 1;
  struct seccomp_notif *req = calloc(1, sizes.seccomp_notif);
  struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp);
  struct pollfd fds[MAX_FDS + 1];
  int nfds = 1, primary = -1;
  fds[0] = (struct pollfd){.fd = lsock, .events = POLLIN};
  long start = now_ms();
  while (!stop) {
    int r = poll(fds, nfds, primary < 0 ? 200 : -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (primary < 0 && ((watch > 0 && kill(watch, 0) < 0 && errno == ESRCH) || now_ms() - start > first_timeout_ms)) return 0;
    if (fds[0].revents & POLLIN) {
      int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
      if (conn >= 0) {
        int nfd = receive_fd(conn);
        close(conn);
        if (nfd >= 0 && nfds <= MAX_FDS) {
          fds[nfds++] = (struct pollfd){.fd = nfd, .events = POLLIN};
          if (primary < 0) primary = nfd;
        } else if (nfd >= 0) {
          close(nfd);
        }
      }
    }
    for (int i = 1; i < nfds; i++) {
      if (fds[i].revents & POLLIN) {
        memset(req, 0, sizes.seccomp_notif);
        if (ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_RECV, req) == 0) answer_one(fds[i].fd, req, resp, sizes.seccomp_notif_resp, a);
      } else if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
        /* No process uses that filter any more. The zone's init's: the zone is gone. */
        if (fds[i].fd == primary && !until_idle) return 0;
        close(fds[i].fd);
        fds[i--] = fds[--nfds];
        if (until_idle && nfds == 1) return 0;
      }
    }
  }
  return 0;
}

static int do_serve(int argc, char **argv) {
  struct answer a = {0};
  pid_t watch = 0;
  long first_timeout_ms = 60000;
  int until_idle = 0;
  for (int i = 0; i < argc; i += 2) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
    if (strcmp(k, "--until-idle") == 0) {
      until_idle = 1;
      i--;
      continue;
    }
    if (strcmp(k, "--socket") == 0) socket_path = v;
    else if (strcmp(k, "--pidfile") == 0) pid_path = v;
    else if (strcmp(k, "--release") == 0) a.release = v;
    else if (strcmp(k, "--version") == 0) a.version = v;
    else if (strcmp(k, "--machine") == 0) a.machine = v;
    else if (strcmp(k, "--machine32") == 0) a.machine32 = v;
    else if (strcmp(k, "--watch-pid") == 0) watch = atoi(v);
    else if (strcmp(k, "--first-timeout") == 0) first_timeout_ms = atol(v) * 1000L;
    else fail("unknown option %s", k);
  }
  if (socket_path == NULL || pid_path == NULL || a.release == NULL || a.version == NULL || a.machine == NULL)
    fail("usage: serve --socket PATH --pidfile PATH --release R --version V --machine M [--machine32 M32] [--watch-pid PID] [--first-timeout S]");
  if (a.machine32 == NULL) a.machine32 = a.machine;

  /* The parent waits on this pipe: empty at close means ready, text is the reason. */
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
  pid_t child = fork();
  if (child < 0) fail("fork: %s", strerror(errno));
  if (child > 0) {
    close(p[1]);
    char why[512];
    ssize_t n = read(p[0], why, sizeof why);
    if (n > 0) {
      if (write(2, why, n) < 0) { /* the caller reads our exit status */ }
      waitpid(child, NULL, 0);
      return 1;
    }
    return 0;
  }
  close(p[0]);
  err_fd = p[1];
  setsid();
  int lsock = listen_on(socket_path);
  write_pidfile(pid_path);
  atexit(cleanup);
  struct sigaction sa = {.sa_handler = on_term};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
  close(p[1]); /* ready */
  err_fd = -1;
  int rc = serve_loop(lsock, &a, watch, first_timeout_ms, until_idle);
  exit(rc);
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "serve") == 0) return do_serve(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "mount") == 0) return do_mount(argc - 2, argv + 2);
  fail("usage: zonectl-uname-shim serve ... | mount --pid PID SRC:DEST ...");
  return 2;
}
