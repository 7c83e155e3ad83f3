/* sched_setattr(2): the only call that sets every field of
 * process.scheduler (SCHED_DEADLINE's runtime/deadline/period, flags). */
#ifndef PYRUNC_SCHED_H
#define PYRUNC_SCHED_H

#include <stdint.h>

int pyrunc_sched_setattr(int pid, uint32_t policy, uint64_t flags, int32_t nice,
                         uint32_t priority, uint64_t runtime, uint64_t deadline,
                         uint64_t period);

#endif
