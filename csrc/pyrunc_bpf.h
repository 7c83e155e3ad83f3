/* bpf(2) for the cgroup v2 device filter: cgroup v2 has no devices.allow,
 * so device rules are an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE)
 * attached to the container's cgroup.  One bpf() command per function,
 * -1 + errno on failure; the program itself is built in Python
 * (pyrunc/cgroups/v2/devicefilter.py) and the policy lives there too. */
#ifndef PYRUNC_BPF_H
#define PYRUNC_BPF_H

#include <stdint.h>

/* BPF_PROG_LOAD: returns the program fd.  *insns* is insn_cnt struct
 * bpf_insn; log_buf may be NULL (log_size 0, log_level 0). */
int pyrunc_bpf_prog_load(uint32_t prog_type, const void *insns, uint32_t insn_cnt,
                         const char *license, char *log_buf, uint32_t log_size,
                         uint32_t log_level);
/* BPF_PROG_ATTACH of prog_fd to the cgroup target_fd; replace_fd is used
 * only with BPF_F_REPLACE in flags. */
int pyrunc_bpf_prog_attach(int target_fd, int prog_fd, uint32_t attach_type,
                           uint32_t flags, int replace_fd);
/* BPF_PROG_DETACH of prog_fd from the cgroup target_fd. */
int pyrunc_bpf_prog_detach(int target_fd, int prog_fd, uint32_t attach_type);
/* BPF_PROG_QUERY: fills prog_ids (room for *prog_cnt) and sets *prog_cnt to
 * the number attached (also on ENOSPC, so the caller can grow the array). */
int pyrunc_bpf_prog_query(int target_fd, uint32_t attach_type, uint32_t query_flags,
                          uint32_t *attach_flags, uint32_t *prog_ids, uint32_t *prog_cnt);
/* BPF_PROG_GET_FD_BY_ID: an fd for an attached program (to detach it). */
int pyrunc_bpf_prog_get_fd_by_id(uint32_t prog_id);

#endif
