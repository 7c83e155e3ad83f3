/* See pyrunc_seccomp.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "pyrunc_seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

int pyrunc_seccomp(unsigned int op, unsigned int flags, void *args)
{
    return (int)syscall(SYS_seccomp, op, flags, args);
}

/* The container process state (config-linux.md "The Container Process
 * State") with the listener fd in SCM_RIGHTS on the first sendmsg; the
 * rest of the payload, if the socket took only part of it, follows. */
static int send_state(int sock, const char *state, size_t len, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = (void *)state, .iov_len = len };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
    };
    struct cmsghdr *cmsg;
    ssize_t n;

    memset(&control, 0, sizeof(control));
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    /* the rest without the fd, still through sendmsg: a profile then
     * only has to leave this one syscall alone (see plan/seccomp.py) */
    msg.msg_control = NULL;
    msg.msg_controllen = 0;
    while ((size_t)n < len) {
        ssize_t m;

        iov.iov_base = (void *)(state + n);
        iov.iov_len = len - (size_t)n;
        m = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (m < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        n += m;
    }
    return 0;
}

/* Load the BPF *program* (program_len bytes of struct sock_filter) with
 * seccomp(SECCOMP_SET_MODE_FILTER, flags), hand a notify listener (when
 * flags ask for one) to *listener_sock* with the *state* JSON, and execve
 * *path*, or the file open at *exec_fd* when it is >= 0 (execveat with
 * AT_EMPTY_PATH: the sealed memfd of pyrunc-init).
 * Only returns on failure: -1, errno set, *failed_step saying where.
 *
 * Between the load and execve the process makes only sendmsg() calls
 * (one, unless the socket takes a partial write) and a shutdown(): no
 * Python, no allocation.  The
 * listener fd and the socket are close-on-exec, so the container's
 * program holds neither. */
int pyrunc_seccomp_exec(const void *program, size_t program_len, unsigned int flags,
                        int no_new_privs, int listener_sock, const char *state,
                        size_t state_len, int exec_fd, const char *path,
                        char *const argv[], char *const envp[], int *failed_step)
{
    struct sock_fprog prog = {
        .len = (unsigned short)(program_len / sizeof(struct sock_filter)),
        .filter = (struct sock_filter *)program,
    };
    int fd;

    *failed_step = PYRUNC_SECCOMP_STEP_NNP;
    if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    *failed_step = PYRUNC_SECCOMP_STEP_LOAD;
    if (program_len == 0 || program_len % sizeof(struct sock_filter) != 0
            || program_len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
        errno = EINVAL;
        return -1;
    }
    fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (fd < 0)
        return -1;
    if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
        *failed_step = PYRUNC_SECCOMP_STEP_SEND;
        if (send_state(listener_sock, state, state_len, fd) < 0)
            return -1;
        /* EOF for the agent now: the fd only closes at execve, and a
         * notify rule on execve would wait for an agent still reading the
         * state (the spec lets it read until EOF).  An error here changes
         * nothing: the connection closes at execve anyway. */
        shutdown(listener_sock, SHUT_WR);
    }
    *failed_step = PYRUNC_SECCOMP_STEP_EXEC;
    if (exec_fd >= 0)
        syscall(SYS_execveat, exec_fd, "", argv, envp, AT_EMPTY_PATH);
    else
        execve(path, argv, envp);
    return -1;
}
