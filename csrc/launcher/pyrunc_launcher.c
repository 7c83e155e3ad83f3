/* pyrunc: the installed command.  Starts the Python CLI isolated from its
 * caller's environment (-I: no PYTHONPATH, PYTHONSTARTUP, user site, ...)
 * and without `site` (-S): engines run the runtime several times per
 * container, and site's start-up work is a large part of a short verb.
 *
 * The interpreter is the `python3` beside this executable (a venv's bin/),
 * else the one pyrunc was built with (PYRUNC_PYTHON).  The package is found
 * in <sys.prefix>/lib/pythonX.Y/site-packages; if it is not there (an
 * editable or distro-layout install), `site` is run after all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PYRUNC_PYTHON
#define PYRUNC_PYTHON "/usr/bin/python3"
#endif

static const char CODE[] =
    "import sys\n"
    "sys.path.append('%s/lib/python%d.%d/site-packages' % (sys.prefix, *sys.version_info[:2]))\n"
    "try:\n"
    "    from pyrunc.cli.main import run_cli\n"
    "except ImportError:\n"
    "    import site; site.main()\n"
    "    from pyrunc.cli.main import run_cli\n"
    "run_cli()\n";

int main(int argc, char **argv)
{
    char self[PATH_MAX], python[PATH_MAX + 16];
    const char *interp = PYRUNC_PYTHON;
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(python, sizeof(python), "%s/python3", self);
            if (access(python, X_OK) == 0)
                interp = python;
        }
    }
    char **args = calloc((size_t)argc + 5, sizeof(char *));
    if (!args)
        return 1;
    args[0] = (char *)interp;
    args[1] = "-I";
    args[2] = "-S";
    args[3] = "-c";
    args[4] = (char *)CODE;
    for (int i = 1; i < argc; i++)
        args[4 + i] = argv[i];
    execv(interp, args);
    fprintf(stderr, "pyrunc: cannot run the Python interpreter %s: %s\n", interp, strerror(errno));
    return 1;
}
