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
 *   pyrunc-init [fifo=FD] [nnp=1] [seccomp=FD] [seccomp_flags=N] -- PATH ARGV0 [ARGS...]
 * The environment is passed through unchanged: it is the container's.
 * It is linked statically: the container's own ld.so must never run before
 * the user's program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void die(const char *what, const char *arg)
{
    dprintf(2, "pyrunc-init: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
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
    unsigned int seccomp_flags = 0;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strncmp(argv[i], "fifo=", 5) == 0)
            fifo = number(argv[i] + 5);
        else if (strncmp(argv[i], "seccomp=", 8) == 0)
            seccomp = number(argv[i] + 8);
        else if (strncmp(argv[i], "seccomp_flags=", 14) == 0)
            seccomp_flags = (unsigned int)number(argv[i] + 14);
        else if (strcmp(argv[i], "nnp=1") == 0)
            nnp = 1;
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
    if (seccomp >= 0)
        load_seccomp(seccomp, seccomp_flags);
    execve(argv[i + 1], &argv[i + 2], envp);
    die("exec", argv[i + 1]);
    return 127;
}
