/*
 * counters.c - readers for the kernel's own counters (see counters.h).
 */
#include "counters.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static const char *const names[CTR_COUNT] = {
	[CTR_SOFTIRQ_NS] = "softirq_ns",
	[CTR_IRQ_NS] = "irq_ns",
	[CTR_TCP_IN_SEGS] = "tcp_in_segs",
	[CTR_TCP_OUT_SEGS] = "tcp_out_segs",
	[CTR_TCP_RETRANS_SEGS] = "tcp_retrans_segs",
	[CTR_TCP_DELAYED_ACKS] = "tcp_delayed_acks",
	[CTR_TCP_DATA_SEGS_OUT] = "tcp_data_segs_out",
	[CTR_UDP_IN_DATAGRAMS] = "udp_in_datagrams",
	[CTR_UDP_OUT_DATAGRAMS] = "udp_out_datagrams",
	[CTR_UDP_RCVBUF_ERRORS] = "udp_rcvbuf_errors",
	[CTR_INSTRUCTIONS] = "instructions",
	[CTR_CYCLES] = "cycles",
	[CTR_CPU_BUSY_NS] = "cpu_busy_ns",
	[CTR_STEAL_NS] = "steal_ns",
	[CTR_KSOFTIRQD_NS] = "ksoftirqd_ns",
	[CTR_IDLE_ENTRIES] = "idle_entries",
};

/* A "Prefix: name name ..." line followed by a "Prefix: value value ..." line. */
struct snmp_field {
	int in_netstat;        /* /proc/net/netstat, else /proc/net/snmp */
	const char *prefix;
	const char *field;
	enum counter_id id;
};

static const struct snmp_field snmp_fields[] = {
	{ 0, "Tcp:", "InSegs", CTR_TCP_IN_SEGS },
	{ 0, "Tcp:", "OutSegs", CTR_TCP_OUT_SEGS },
	{ 0, "Tcp:", "RetransSegs", CTR_TCP_RETRANS_SEGS },
	{ 1, "TcpExt:", "DelayedACKs", CTR_TCP_DELAYED_ACKS },
	{ 1, "TcpExt:", "TCPOrigDataSent", CTR_TCP_DATA_SEGS_OUT },
	{ 0, "Udp:", "InDatagrams", CTR_UDP_IN_DATAGRAMS },
	{ 0, "Udp:", "OutDatagrams", CTR_UDP_OUT_DATAGRAMS },
	{ 0, "Udp:", "RcvbufErrors", CTR_UDP_RCVBUF_ERRORS },
};

static int hw_fd[2] = { -1, -1 };

const char *counter_name(enum counter_id id)
{
	return names[id];
}

static int open_hw(uint64_t config)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = config;
	attr.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

void counters_open(void)
{
	if (hw_fd[0] < 0)
		hw_fd[0] = open_hw(PERF_COUNT_HW_INSTRUCTIONS);
	if (hw_fd[1] < 0)
		hw_fd[1] = open_hw(PERF_COUNT_HW_CPU_CYCLES);
}

void counters_reopen(void)
{
	for (int i = 0; i < 2; i++) {
		if (hw_fd[i] >= 0)
			close(hw_fd[i]);
		hw_fd[i] = -1;
	}
	counters_open();
}

/* The "cpuN ..." line of cpu (the all-CPU "cpu" line for -1) in /proc/stat's text. */
static const char *stat_line(const char *text, int cpu)
{
	char want[16];
	size_t n;

	if (cpu >= 0)
		snprintf(want, sizeof(want), "cpu%d ", cpu);
	else
		snprintf(want, sizeof(want), "cpu ");
	n = strlen(want);
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, want, n))
			return line;
	return NULL;
}

void counters_parse_stat(const char *text, int cpu, long hz, struct counters *c)
{
	const char *line = stat_line(text, cpu);
	unsigned long long f[8];
	int n;

	/* user nice system idle iowait irq softirq steal ...; steal since Linux 2.6.11 */
	if (!line)
		return;
	n = sscanf(line, "%*s %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2],
		   &f[3], &f[4], &f[5], &f[6], &f[7]);
	if (n < 7)
		return;
	c->v[CTR_IRQ_NS] = f[5] * 1000000000ULL / (unsigned long long)hz;
	c->v[CTR_SOFTIRQ_NS] = f[6] * 1000000000ULL / (unsigned long long)hz;
	c->present |= 1u << CTR_IRQ_NS | 1u << CTR_SOFTIRQ_NS;
	if (n == 8) {
		c->v[CTR_STEAL_NS] = f[7] * 1000000000ULL / (unsigned long long)hz;
		c->present |= 1u << CTR_STEAL_NS;
	}
}

int64_t counters_parse_idle(const char *text, int cpu, long hz)
{
	const char *line = stat_line(text, cpu);
	unsigned long long idle, iowait;

	if (!line || sscanf(line, "%*s %*u %*u %*u %llu %llu", &idle, &iowait) != 2)
		return -1;
	return (int64_t)((idle + iowait) * 1000000000ULL / (unsigned long long)hz);
}

/* The value under `field` in the header/value line pair starting with prefix. */
static int snmp_value(const char *text, const char *prefix, const char *field, uint64_t *out)
{
	size_t plen = strlen(prefix);
	const char *hdr = text;

	while ((hdr = strstr(hdr, prefix))) {
		const char *vals = strchr(hdr, '\n');
		const char *h = hdr + plen, *v;
		int col = 0, target = -1;

		if (!vals || strncmp(vals + 1, prefix, plen))
			return -1;
		v = vals + 1 + plen;
		for (const char *p = h; p < vals; col++) {
			size_t n;

			p += strspn(p, " ");
			n = strcspn(p, " \n");
			if (n == strlen(field) && !strncmp(p, field, n))
				target = col;
			p += n;
		}
		for (col = 0; target >= 0 && *v && *v != '\n'; col++) {
			char *end;
			unsigned long long x;

			v += strspn(v, " ");
			x = strtoull(v, &end, 10);
			if (col == target) {
				*out = x;
				return 0;
			}
			v = end;
		}
		return -1;
	}
	return -1;
}

void counters_parse_snmp(const char *snmp, const char *netstat, struct counters *c)
{
	for (size_t i = 0; i < sizeof(snmp_fields) / sizeof(snmp_fields[0]); i++) {
		const struct snmp_field *f = &snmp_fields[i];
		const char *text = f->in_netstat ? netstat : snmp;

		if (snmp_value(text, f->prefix, f->field, &c->v[f->id]) == 0)
			c->present |= 1u << f->id;
	}
}

/* Read a whole /proc file into buf (NUL-terminated, empty if unreadable). */
static const char *slurp(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(buf, 1, len - 1, fp) : 0;

	buf[n] = '\0';
	if (fp)
		fclose(fp);
	return buf;
}

static void read_hw(struct counters *c)
{
	static const enum counter_id ids[2] = { CTR_INSTRUCTIONS, CTR_CYCLES };
	uint64_t x;

	for (int i = 0; i < 2; i++)
		if (hw_fd[i] >= 0 && read(hw_fd[i], &x, sizeof(x)) == sizeof(x)) {
			c->v[ids[i]] = x;
			c->present |= 1u << ids[i];
		}
}

/*
 * The idle time of cpu in ns, from the scheduler tick's own account
 * (tick_sched idle_sleeptime + iowait_sleeptime: from the idle loop's entry
 * to its exit, interrupts taken while idle excluded). /proc/timer_list
 * gives it in ns but only to root; /proc/stat gives it to everyone in 10 ms
 * ticks. The pinned CPU is running this code, so no idle period is open.
 * (cpuidle's per-state residency would also miss the idle loop's own time
 * around each halt: ~10 us a wake-up on a VM, busy time that is no task's.)
 * -1 when neither can be read.
 */
static int64_t cpu_idle_ns(int cpu, const char *stat, long hz)
{
	FILE *fp = fopen("/proc/timer_list", "r");
	char line[256];
	unsigned long long v, idle = 0;
	int at = -1, found = 0;

	while (fp && found < 2 && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "cpu: %d", &at) == 1)
			continue;
		if (at == cpu && (sscanf(line, " .idle_sleeptime : %llu", &v) == 1 ||
				  sscanf(line, " .iowait_sleeptime: %llu", &v) == 1)) {
			idle += v;
			found++;
		}
	}
	if (fp)
		fclose(fp);
	return found == 2 ? (int64_t)idle : counters_parse_idle(stat, cpu, hz);
}

/* How many times cpu entered an idle state: the sum of cpuidle's per-state
 * usage; -1 without cpuidle. */
static int64_t cpu_idle_entries(int cpu)
{
	char path[96];
	unsigned long long n, total = 0;
	int state;

	for (state = 0;; state++) {
		FILE *fp;
		int ok;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpuidle/state%d/usage",
			 cpu, state);
		fp = fopen(path, "r");
		if (!fp)
			break;
		ok = fscanf(fp, "%llu", &n) == 1;
		fclose(fp);
		if (!ok)
			return -1;
		total += n;
	}
	return state ? (int64_t)total : -1;
}

/* The PID of ksoftirqd/<cpu>, found once per CPU by its name; -1 when this
 * side cannot see it (a container's PID namespace). */
static long ksoftirqd_pid(int cpu)
{
	static int cached_cpu = -1;
	static long cached_pid = -1;
	char want[32], path[300], comm[32];
	struct dirent *e;
	DIR *d;

	if (cpu == cached_cpu)
		return cached_pid;
	cached_cpu = cpu;
	cached_pid = -1;
	snprintf(want, sizeof(want), "ksoftirqd/%d\n", cpu);
	d = opendir("/proc");
	while (d && (e = readdir(d)) && cached_pid < 0) {
		FILE *fp;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		fp = fopen(path, "r");
		if (fp && fgets(comm, sizeof(comm), fp) && !strcmp(comm, want))
			cached_pid = strtol(e->d_name, NULL, 10);
		if (fp)
			fclose(fp);
	}
	if (d)
		closedir(d);
	return cached_pid;
}

void counters_prepare(int cpu)
{
	if (cpu >= 0)
		ksoftirqd_pid(cpu);
}

/* The pinned CPU's busy time and idle entries, and the run time of its ksoftirqd. */
static void read_cpu_time(struct counters *c, int cpu, const char *stat, long hz)
{
	long pid = ksoftirqd_pid(cpu);
	int64_t idle = cpu_idle_ns(cpu, stat, hz);
	uint64_t now = now_ns();
	int64_t entries = cpu_idle_entries(cpu);
	unsigned long long run;
	char path[64];
	FILE *fp;

	if (idle >= 0) {
		c->v[CTR_CPU_BUSY_NS] = now - (uint64_t)idle;
		c->present |= 1u << CTR_CPU_BUSY_NS;
	}
	if (entries >= 0) {
		c->v[CTR_IDLE_ENTRIES] = (uint64_t)entries;
		c->present |= 1u << CTR_IDLE_ENTRIES;
	}
	snprintf(path, sizeof(path), "/proc/%ld/schedstat", pid);
	fp = pid > 0 ? fopen(path, "r") : NULL;
	if (fp && fscanf(fp, "%llu", &run) == 1) {
		c->v[CTR_KSOFTIRQD_NS] = run;
		c->present |= 1u << CTR_KSOFTIRQD_NS;
	}
	if (fp)
		fclose(fp);
}

void counters_read(struct counters *c, int cpu)
{
	static char stat[65536], snmp[65536], netstat[65536];
	long hz = sysconf(_SC_CLK_TCK);

	memset(c, 0, sizeof(*c));
	slurp("/proc/stat", stat, sizeof(stat));
	counters_parse_stat(stat, cpu, hz, c);
	if (cpu >= 0)
		read_cpu_time(c, cpu, stat, hz);
	counters_parse_snmp(slurp("/proc/net/snmp", snmp, sizeof(snmp)),
			    slurp("/proc/net/netstat", netstat, sizeof(netstat)), c);
	read_hw(c);
}

void counters_delta(const struct counters *a, const struct counters *b, struct counters *d)
{
	d->present = a->present & b->present;
	for (int i = 0; i < CTR_COUNT; i++)
		d->v[i] = d->present & (1u << i) ? b->v[i] - a->v[i] : 0;
}

int counters_parse_pid_stat(const char *text, long hz, struct proc_cpu *out)
{
	memset(out, 0, sizeof(*out));
	/* comm (field 2) may hold spaces and ')': the fields after the last ')' are fixed */
	const char *p = strrchr(text, ')');
	unsigned long long utime, stime;

	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return -EINVAL;
	out->user_ns = utime * 1000000000ULL / (unsigned long long)hz;
	out->sys_ns = stime * 1000000000ULL / (unsigned long long)hz;
	return 0;
}

/* One process's reading; 0 or -errno. */
static int read_pid(long pid, long hz, struct proc_cpu *out)
{
	char path[64], buf[1024];
	struct timespec ts;
	clockid_t clock;
	size_t len;
	FILE *fp;
	int ret;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[len] = '\0';
	fclose(fp);
	if (counters_parse_pid_stat(buf, hz, out) < 0)
		return -EINVAL;
	ret = clock_getcpuclockid((pid_t)pid, &clock);
	if (ret)
		return -ret;
	if (clock_gettime(clock, &ts) < 0)
		return -errno;
	out->total_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	return 0;
}

int counters_read_pids(const long *pids, int n, struct proc_cpu *sum, long *bad)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct proc_cpu one;

	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < n; i++) {
		int ret = read_pid(pids[i], hz, &one);

		if (ret < 0) {
			*bad = pids[i];
			return ret;
		}
		sum->user_ns += one.user_ns;
		sum->sys_ns += one.sys_ns;
		sum->total_ns += one.total_ns;
	}
	return 0;
}

void proc_cpu_window(const struct proc_cpu *a, const struct proc_cpu *b,
		     uint64_t *user_ns, uint64_t *sys_ns)
{
	uint64_t total = b->total_ns - a->total_ns;
	long double u = (long double)(b->user_ns - a->user_ns);
	long double s = (long double)(b->sys_ns - a->sys_ns);

	if (u + s == 0) {
		u = (long double)b->user_ns;
		s = (long double)b->sys_ns;
	}
	*user_ns = u + s > 0 ? (uint64_t)((long double)total * u / (u + s)) : 0;
	*sys_ns = total - *user_ns;
}
