/* See pyrunc_statfs.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/vfs.h>

#include "pyrunc_statfs.h"

int pyrunc_fstatfs_type(int fd, int64_t *f_type)
{
    struct statfs st;

    if (fstatfs(fd, &st) < 0)
        return -1;
    *f_type = (int64_t)st.f_type;
    return 0;
}
