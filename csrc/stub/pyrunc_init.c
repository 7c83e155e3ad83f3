/* pyrunc-init: the last program the runtime runs inside a container.
 *
 * The Python init does all the setup, then execs this small static binary
 * from a sealed memfd.  It exists for three reasons:
 *  - a created container waits for `start` in this process, not in a
 *    Python interpreter (a few hundred KB of RSS instead of ~15 MB);
 *  - /proc/<pid>/exe of the process that finally execs the user's program
 *    is a sealed anonymous copy, never the host's python binary, so an
 *    image whose entrypoint is `#!/proc/self/exe` cannot reach (or
 *    overwrite) anything of the host (CVE-2019-5736);
 *  - the seccomp filter is loaded here, right before execve(), so no
 *    Python code ever runs under the user's filter.
 *
 * Usage (built by pyrunc/process/final_exec.py, never by hand):
 *   pyrunc-init [fifo=FD] [nnp=1] [apparmor=PROFILE] [selinux=LABEL]
 *               [seccomp=FD] [seccomp_flags=N] -- PATH ARGV0 [ARGS...]
 * apparmor= and selinux= are written to this task's exec attribute right
 * before the final execve, so the kernel applies them to the user's
 * program exactly as runc's init does (not to this stub).
 * The environment is passed through unchanged: it is the container's.
 * It is linked statically: the container's own ld.so must never run before
 * the user's program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define PROC_SUPER_MAGIC 0x9fa0

static void die(const char *what, const char *arg)
{
    /* Go's spelling ("permission denied"): podman and docker match these
     * words case-sensitively to tell 126 (not executable) from 127. */
    char err[128];
    snprintf(err, sizeof(err), "%s", strerror(errno));
    if (err[0] >= 'A' && err[0] <= 'Z')
        err[0] = (char)(err[0] - 'A' + 'a');
    dprintf(2, "pyrunc-init: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", err);
    _exit(127);
}

static int number(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 1 << 30) {
        errno = EINVAL;
        die("bad number", s);
    }
    return (int)v;
}

static void wait_for_start(int fifo)
{
    char c;
    ssize_t n;
    do {
        n = read(fifo, &c, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        die("wait for start on exec fifo", NULL);
    close(fifo);
}

/* Write "PREFIX VALUE" to the first of two /proc/thread-self/attr files
 * that exists, after checking it is on procfs: an image without /proc, or
 * with plain files there, must not swallow the label (CVE-2019-16884). */
static void set_exec_attr(const char *path, const char *fallback, const char *prefix,
                          const char *value)
{
    char buf[4096];
    struct statfs st;
    int n = snprintf(buf, sizeof(buf), "%s%s", prefix, value);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        die("LSM label", value);
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT && fallback) {
        path = fallback;
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0)
        die("open", path);
    if (fstatfs(fd, &st) < 0)
        die("fstatfs", path);
    if (st.f_type != PROC_SUPER_MAGIC) {
        errno = EXDEV;
        die("not on procfs, refusing to write the LSM label to", path);
    }
    if (write(fd, buf, (size_t)n) != n)
        die(buf, path);
    close(fd);
}

static void load_seccomp(int fd, unsigned int flags)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        die("seccomp program", NULL);
    size_t len = (size_t)st.st_size;
    struct sock_filter *insns = malloc(len ? len : 1);
    if (!insns)
        die("seccomp program", NULL);
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (char *)insns + got, len - got, (off_t)got);
        if (n <= 0)
            die("read seccomp program", NULL);
        got += (size_t)n;
    }
    close(fd);
    struct sock_fprog prog = { .len = (unsigned short)(len / sizeof(struct sock_filter)), .filter = insns };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0)
        die("load seccomp filter", NULL);
}

int main(int argc, char **argv, char **envp)
{
    int fifo = -1, seccomp = -1, nnp = 0;
    const char *apparmor = NULL, *selinux = NULL;
    unsigned int seccomp_flags = 0;
    int i = 1;
    /* execve made this process dumpable again: while it waits for start,
     * a process exec'd into the container (same uid, same capabilities)
     * could otherwise ptrace it, or open /proc/1/fd/N and /proc/1/environ,
     * and so run the program without its seccomp filter or AppArmor
     * profile.  The program's own execve makes it dumpable as usual. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        die("set not dumpable", NULL);
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strncmp(argv[i], "fifo=", 5) == 0)
            fifo = number(argv[i] + 5);
        else if (strncmp(argv[i], "seccomp=", 8) == 0)
            seccomp = number(argv[i] + 8);
        else if (strncmp(argv[i], "seccomp_flags=", 14) == 0)
            seccomp_flags = (unsigned int)number(argv[i] + 14);
        else if (strcmp(argv[i], "nnp=1") == 0)
            nnp = 1;
        else if (strncmp(argv[i], "apparmor=", 9) == 0 && argv[i][9])
            apparmor = argv[i] + 9;
        else if (strncmp(argv[i], "selinux=", 8) == 0 && argv[i][8])
            selinux = argv[i] + 8;
        else {
            errno = EINVAL;
            die("unknown option", argv[i]);
        }
    }
    if (i + 2 >= argc) {
        errno = EINVAL;
        die("usage: pyrunc-init [options] -- PATH ARGV0 [ARGS...]", NULL);
    }
    if (fifo >= 0)
        wait_for_start(fifo);
    if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("set no_new_privs", NULL);
    if (apparmor)
        set_exec_attr("/proc/thread-self/attr/apparmor/exec", "/proc/thread-self/attr/exec", "exec ", apparmor);
    if (selinux)
        set_exec_attr("/proc/thread-self/attr/exec", NULL, "", selinux);
    if (seccomp >= 0)
        load_seccomp(seccomp, seccomp_flags);
    execve(argv[i + 1], &argv[i + 2], envp);
    die("exec", argv[i + 1]);
    return 127;
}
