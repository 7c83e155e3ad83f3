/* pyrunc: the installed command.  Starts the Python CLI isolated from its
 * caller's environment (-I: no PYTHONPATH, PYTHONSTARTUP, user site, ...)
 * and without `site` (-S): engines run the runtime several times per
 * container, and site's start-up work is a large part of a short verb.
 *
 * The interpreter is the `python3` beside this executable (a venv's bin/),
 * else the one pyrunc was built with (PYRUNC_PYTHON).  The package is found
 * in <prefix>/lib/pythonX.Y/site-packages, <prefix> being the directory
 * above the launcher's; if it is not there (an editable or distro-layout
 * install), `site` is run after all.
 *
 * For the verbs that put a process into a container (create, run, exec),
 * the interpreter is exec'd from a sealed memfd copy of its binary, as
 * runc does with itself (CVE-2019-5736): the init and exec children run
 * Python inside the container's pid namespace, where a process with
 * CAP_SYS_PTRACE can open /proc/<pid>/exe, keep an O_PATH fd, and reopen
 * it for writing once no pyrunc runs (ETXTBSY ends) -- overwriting the
 * host's python.  A sealed memfd cannot be written through any fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PYRUNC_PYTHON
#define PYRUNC_PYTHON "/usr/bin/python3"
#endif

/* The Python program: %s is the install prefix (the launcher's bin/..).
 * Without `site`, sys.prefix is the base interpreter's even in a venv
 * (site.venv() is what switches it), so the prefix comes from here.
 * pyrunc._bundle serves the package's modules from one file (its
 * docstring says why). */
static const char CODE[] =
    "import sys\n"
    "sys.path.append('%s/lib/python%%d.%%d/site-packages' %% sys.version_info[:2])\n"
    "try:\n"
    "    import pyrunc._bundle\n"
    "except ImportError:\n"
    "    import site; site.main()\n"
    "from pyrunc.cli.main import run_cli\n"
    "run_cli()\n";

/* Does the command line name a verb that enters a container?  Any
 * argument equal to one counts (a flag value "run" costs only a copy). */
static int enters_container(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "create") || !strcmp(argv[i], "run") || !strcmp(argv[i], "exec"))
            return 1;
    return 0;
}

/* A sealed, close-on-exec memfd holding a copy of *path*, or -1. */
static int sealed_copy(const char *path)
{
    struct stat st;
    int src = open(path, O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return -1;
    int fd = -1;
    if (fstat(src, &st) == 0 && S_ISREG(st.st_mode))
        fd = memfd_create("pyrunc-python", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    off_t off = 0;
    while (fd >= 0 && off < st.st_size) {
        ssize_t n = sendfile(fd, src, &off, (size_t)(st.st_size - off));
        if (n <= 0) {
            close(fd);
            fd = -1;
        }
    }
    close(src);
    if (fd >= 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    char self[PATH_MAX], python[PATH_MAX + 16], code[sizeof(CODE) + PATH_MAX];
    const char *interp = PYRUNC_PYTHON, *prefix = "";
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(python, sizeof(python), "%s/python3", self);
            if (access(python, X_OK) == 0)
                interp = python;
            slash = strrchr(self, '/');
            if (slash && !strpbrk(self, "'\\\n")) {
                *slash = '\0';
                prefix = self;
            }
        }
    }
    snprintf(code, sizeof(code), CODE, prefix);
    char **args = calloc((size_t)argc + 5, sizeof(char *));
    if (!args)
        return 1;
    args[0] = (char *)interp;
    args[1] = "-I";
    args[2] = "-S";
    args[3] = "-c";
    args[4] = code;
    for (int i = 1; i < argc; i++)
        args[4 + i] = argv[i];
    if (enters_container(argc, argv)) {
        int fd = sealed_copy(interp);
        if (fd < 0) {
            /* never fall back to the host's binary where the copy matters */
            fprintf(stderr, "pyrunc: cannot make a sealed copy of %s: %s\n", interp, strerror(errno));
            return 1;
        }
        /* argv[0] stays the real path: Python finds its prefix from it */
        extern char **environ;
        fexecve(fd, args, environ);
    } else {
        execv(interp, args);
    }
    fprintf(stderr, "pyrunc: cannot run the Python interpreter %s: %s\n", interp, strerror(errno));
    return 1;
}
