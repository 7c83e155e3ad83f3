/* See pyrunc_bpf.h.  union bpf_attr is zeroed before use: the kernel
 * refuses (E2BIG/EINVAL) any non-zero byte past the fields a command reads. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "pyrunc_bpf.h"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
    return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int pyrunc_bpf_prog_load(uint32_t prog_type, const void *insns, uint32_t insn_cnt,
                         const char *license, char *log_buf, uint32_t log_size,
                         uint32_t log_level)
{
    union bpf_attr attr;

    memset(&attr, 0, sizeof(attr));
    attr.prog_type = prog_type;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = insn_cnt;
    attr.license = (uint64_t)(uintptr_t)license;
    attr.log_buf = (uint64_t)(uintptr_t)log_buf;
    attr.log_size = log_size;
    attr.log_level = log_level;
    return sys_bpf(BPF_PROG_LOAD, &attr);
}

int pyrunc_bpf_prog_attach(int target_fd, int prog_fd, uint32_t attach_type,
                           uint32_t flags, int replace_fd)
{
    union bpf_attr attr;

    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)target_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = attach_type;
    attr.attach_flags = flags;
    attr.replace_bpf_fd = (uint32_t)replace_fd;
    return sys_bpf(BPF_PROG_ATTACH, &attr);
}

int pyrunc_bpf_prog_detach(int target_fd, int prog_fd, uint32_t attach_type)
{
    union bpf_attr attr;

    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)target_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = attach_type;
    return sys_bpf(BPF_PROG_DETACH, &attr);
}

int pyrunc_bpf_prog_query(int target_fd, uint32_t attach_type, uint32_t query_flags,
                          uint32_t *attach_flags, uint32_t *prog_ids, uint32_t *prog_cnt)
{
    union bpf_attr attr;
    int ret;

    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (uint32_t)target_fd;
    attr.query.attach_type = attach_type;
    attr.query.query_flags = query_flags;
    attr.query.prog_ids = (uint64_t)(uintptr_t)prog_ids;
    attr.query.prog_cnt = *prog_cnt;
    ret = sys_bpf(BPF_PROG_QUERY, &attr);
    /* the kernel writes the count back on success and on ENOSPC */
    *prog_cnt = attr.query.prog_cnt;
    *attach_flags = attr.query.attach_flags;
    return ret;
}

int pyrunc_bpf_prog_get_fd_by_id(uint32_t prog_id)
{
    union bpf_attr attr;

    memset(&attr, 0, sizeof(attr));
    attr.prog_id = prog_id;
    return sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}
