/* fstatfs(2)'s f_type, which Python's os.fstatvfs does not return: it tells
 * a real procfs (PROC_SUPER_MAGIC) from a file an image planted where
 * /proc/self/attr/... should be (runc's CVE-2019-16884 check). */
#ifndef PYRUNC_STATFS_H
#define PYRUNC_STATFS_H

#include <stdint.h>

int pyrunc_fstatfs_type(int fd, int64_t *f_type);

#endif
