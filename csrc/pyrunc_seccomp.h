/* seccomp(2): the raw syscall (probes for `pyrunc features`), and the one
 * call that loads a filter and execve()s the container's process.
 *
 * The filter is compiled by libseccomp in the runtime's parent process
 * (pyrunc/security/seccomp.py) and arrives here as raw BPF; nothing here
 * calls libseccomp.  pyrunc_seccomp_exec is the documented exception to
 * "one syscall per function": once the filter is loaded, the calling
 * process must not run Python (a filter may deny what the interpreter
 * needs), so everything between loading and execve lives in one C call.
 */
#ifndef PYRUNC_SECCOMP_H
#define PYRUNC_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

/* which syscall pyrunc_seccomp_exec failed in (*failed_step) */
#define PYRUNC_SECCOMP_STEP_NNP 1
#define PYRUNC_SECCOMP_STEP_LOAD 2
#define PYRUNC_SECCOMP_STEP_SEND 3
#define PYRUNC_SECCOMP_STEP_EXEC 4

int pyrunc_seccomp(unsigned int op, unsigned int flags, void *args);
int pyrunc_seccomp_exec(const void *program, size_t program_len, unsigned int flags,
                        int no_new_privs, int listener_sock, const char *state,
                        size_t state_len, int exec_fd, const char *path,
                        char *const argv[], char *const envp[], int *failed_step);

#endif
