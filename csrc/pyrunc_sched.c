#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <unistd.h>
#include <sys/syscall.h>

#include "pyrunc_sched.h"

/* The kernel's struct sched_attr, SCHED_ATTR_SIZE_VER0 (48 bytes);
 * glibc 2.36 has no declaration of its own. */
struct pyrunc_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

int pyrunc_sched_setattr(int pid, uint32_t policy, uint64_t flags, int32_t nice,
                         uint32_t priority, uint64_t runtime, uint64_t deadline,
                         uint64_t period)
{
    struct pyrunc_sched_attr attr = {
        .size = sizeof(attr), .sched_policy = policy, .sched_flags = flags,
        .sched_nice = nice, .sched_priority = priority, .sched_runtime = runtime,
        .sched_deadline = deadline, .sched_period = period,
    };
    return (int)syscall(SYS_sched_setattr, pid, &attr, 0);
}
