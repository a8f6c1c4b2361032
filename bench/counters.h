/*
 * counters.h - what the kernel already counts, read at the edges of the
 * measured window so that the harness can explain where each message's cost
 * went: softirq and irq time of the CPU this side runs on (/proc/stat), TCP
 * and UDP counters of this side's network namespace (/proc/net/snmp and
 * /proc/net/netstat), and, where the machine has them, this process's
 * instructions and cycles (perf_event_open, probed once).
 *
 * And what else ran on this side's CPU (the harness derives the CPU time
 * other tasks took from them, harness/interference.py): how long the pinned
 * CPU was not idle and how often it went idle, its steal time, and the run
 * time of its ksoftirqd, whose work is the path's own.
 *
 * The /proc figures are system-wide within the CPU or namespace: on a busy
 * machine they include others' work, and when both sides share a CPU or a
 * namespace both report the same events (the harness knows which).
 */
#ifndef IPCPERF_COUNTERS_H
#define IPCPERF_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

enum counter_id {
	CTR_SOFTIRQ_NS,        /* /proc/stat softirq of this side's CPU (all CPUs if unpinned) */
	CTR_IRQ_NS,
	CTR_TCP_IN_SEGS,       /* /proc/net/snmp Tcp: */
	CTR_TCP_OUT_SEGS,
	CTR_TCP_RETRANS_SEGS,
	CTR_TCP_DELAYED_ACKS,  /* /proc/net/netstat TcpExt: */
	CTR_TCP_DATA_SEGS_OUT, /* TCPOrigDataSent: segments carrying data, not ACKs */
	CTR_UDP_IN_DATAGRAMS,  /* /proc/net/snmp Udp: */
	CTR_UDP_OUT_DATAGRAMS,
	CTR_UDP_RCVBUF_ERRORS,
	CTR_INSTRUCTIONS,      /* perf_event_open: absent on many VMs */
	CTR_CYCLES,
	CTR_CPU_BUSY_NS,       /* CLOCK_MONOTONIC minus the pinned CPU's idle time: its delta is the busy time */
	CTR_STEAL_NS,          /* /proc/stat steal of this side's CPU (all CPUs if unpinned) */
	CTR_KSOFTIRQD_NS,      /* run time of the pinned CPU's ksoftirqd (/proc/PID/schedstat) */
	CTR_IDLE_ENTRIES,      /* times the pinned CPU entered an idle state (cpuidle usage) */
	CTR_COUNT
};

struct counters {
	uint64_t v[CTR_COUNT];
	uint32_t present;      /* bit per counter_id that could be read */
};

/* Open the hardware counters of this process if the machine has them. */
void counters_open(void);
/* In a child after fork: the inherited counters count the parent; open its own. */
void counters_reopen(void);
/* Look up once what counters_read needs of cpu (its ksoftirqd's PID, a
 * scan of /proc), before the warm-up, so that no mark pays for it. */
void counters_prepare(int cpu);
/* Read every counter now; cpu is the pinned CPU or -1. */
void counters_read(struct counters *c, int cpu);
/* The parsers behind counters_read, on the text of the /proc files. */
void counters_parse_stat(const char *text, int cpu, long hz, struct counters *c);
void counters_parse_snmp(const char *snmp, const char *netstat, struct counters *c);
/* idle + iowait of cpu in /proc/stat's text, in ns; -1 when it has no such line. */
int64_t counters_parse_idle(const char *text, int cpu, long hz);
/* d = b - a, present where both were. */
void counters_delta(const struct counters *a, const struct counters *b, struct counters *d);
/* The output name of a counter ("softirq_ns", "tcp_out_segs", ...). */
const char *counter_name(enum counter_id id);

/*
 * CPU time of other processes: the forwarders that carry the bytes between
 * the two sides (docker-proxy, pasta, slirp4netns), all threads. The total
 * comes from the process's CPU-time clock (clock_getcpuclockid: ns, exact);
 * /proc/PID/stat splits it into user and system time only at clock-tick
 * resolution (10 ms at USER_HZ 100), so the split of a window is taken
 * from the ticks and applied to the exact total (proc_cpu_window).
 */
struct proc_cpu {
	uint64_t user_ns;      /* /proc/PID/stat utime, tick resolution */
	uint64_t sys_ns;       /* /proc/PID/stat stime, tick resolution */
	uint64_t total_ns;     /* the CPU-time clock */
};

/* utime and stime of one /proc/PID/stat text; 0 or -EINVAL. */
int counters_parse_pid_stat(const char *text, long hz, struct proc_cpu *out);
/* The sum over pids; 0, or -errno with *bad the pid that could not be read. */
int counters_read_pids(const long *pids, int n, struct proc_cpu *sum, long *bad);
/*
 * User and system ns between readings a and b: the exact total, split as
 * the ticks of the window split it (as the ticks since the start where the
 * window saw none).
 */
void proc_cpu_window(const struct proc_cpu *a, const struct proc_cpu *b,
		     uint64_t *user_ns, uint64_t *sys_ns);

#endif
