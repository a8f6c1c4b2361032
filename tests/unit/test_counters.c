/*
 * test_counters.c - the /proc readers on fixture copies of /proc/stat,
 * /proc/net/snmp and /proc/net/netstat (tests/fixtures/proc/, copied from a
 * Linux 6.18 machine), and the deltas between two readings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "unit.h"

static char *slurp(const char *name)
{
	static char bufs[3][65536];
	static int next;
	char path[256];
	char *buf = bufs[next++ % 3];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", getenv("FIXTURES") ? getenv("FIXTURES")
		 : "tests/fixtures/proc", name);
	fp = fopen(path, "r");
	if (!fp) {
		perror(path);
		exit(2);
	}
	n = fread(buf, 1, sizeof(bufs[0]) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int has(const struct counters *c, enum counter_id id)
{
	return !!(c->present & (1u << id));
}

int main(void)
{
	const char *stat = slurp("stat"), *snmp = slurp("snmp"), *netstat = slurp("netstat");
	struct counters c = { 0 }, all = { 0 }, a = { 0 }, b = { 0 }, d;

	counters_parse_stat(stat, 0, 100, &c);
	CHECK(has(&c, CTR_SOFTIRQ_NS) && c.v[CTR_SOFTIRQ_NS] == 6949ULL * 10000000ULL,
	      "cpu0 softirq: 6949 ticks at 100 Hz = %llu ns", (unsigned long long)c.v[CTR_SOFTIRQ_NS]);
	CHECK(c.v[CTR_IRQ_NS] == 0, "cpu0 irq is 0 ticks");
	counters_parse_stat(stat, -1, 100, &all);
	CHECK(all.v[CTR_SOFTIRQ_NS] == 23502ULL * 10000000ULL, "unpinned: the all-CPU line");
	memset(&c, 0, sizeof(c));
	counters_parse_stat(stat, 7, 100, &c);
	CHECK(!has(&c, CTR_SOFTIRQ_NS), "a CPU the machine lacks is absent, not zero");

	/* interference: steal, and idle + iowait for the busy time */
	memset(&c, 0, sizeof(c));
	counters_parse_stat(stat, 1, 100, &c);
	CHECK(has(&c, CTR_STEAL_NS) && c.v[CTR_STEAL_NS] == 49ULL * 10000000ULL,
	      "cpu1 steal: 49 ticks = %llu ns", (unsigned long long)c.v[CTR_STEAL_NS]);
	CHECK(c.v[CTR_SOFTIRQ_NS] == 16552ULL * 10000000ULL, "cpu1: its own line");
	memset(&c, 0, sizeof(c));
	counters_parse_stat("cpu0 1 2 3 4 5 6 7\n", 0, 100, &c);
	CHECK(has(&c, CTR_SOFTIRQ_NS) && !has(&c, CTR_STEAL_NS),
	      "a kernel without the steal field: softirq read, steal absent");
	CHECK(counters_parse_idle(stat, 0, 100) == (267943LL + 17869LL) * 10000000LL,
	      "cpu0 idle + iowait in ns");
	CHECK(counters_parse_idle(stat, 7, 100) == -1, "no idle for a CPU the machine lacks");
	CHECK(!strcmp(counter_name(CTR_CPU_BUSY_NS), "cpu_busy_ns") &&
	      !strcmp(counter_name(CTR_KSOFTIRQD_NS), "ksoftirqd_ns") &&
	      !strcmp(counter_name(CTR_IDLE_ENTRIES), "idle_entries"), "interference names");

	memset(&c, 0, sizeof(c));
	counters_parse_snmp(snmp, netstat, &c);
	CHECK(c.v[CTR_TCP_IN_SEGS] == 28967846ULL, "Tcp InSegs");
	CHECK(c.v[CTR_TCP_OUT_SEGS] == 31292199ULL, "Tcp OutSegs");
	CHECK(c.v[CTR_TCP_RETRANS_SEGS] == 35208ULL, "Tcp RetransSegs");
	CHECK(c.v[CTR_UDP_IN_DATAGRAMS] == 2985389ULL, "Udp InDatagrams (Udp:, not UdpLite:)");
	CHECK(c.v[CTR_UDP_RCVBUF_ERRORS] == 696518ULL, "Udp RcvbufErrors");
	CHECK(c.v[CTR_TCP_DELAYED_ACKS] == 108ULL, "TcpExt DelayedACKs");
	CHECK(c.v[CTR_TCP_DATA_SEGS_OUT] == 25974886ULL, "TcpExt TCPOrigDataSent");
	CHECK(!has(&c, CTR_INSTRUCTIONS), "no hardware counter from text");

	memset(&c, 0, sizeof(c));
	counters_parse_snmp("Tcp: InSegs\nIp: 5\n", "", &c);
	CHECK(!has(&c, CTR_TCP_IN_SEGS), "a header without its value line is absent");

	a.present = b.present = 1u << CTR_TCP_OUT_SEGS | 1u << CTR_SOFTIRQ_NS;
	b.present &= ~(1u << CTR_SOFTIRQ_NS);
	a.v[CTR_TCP_OUT_SEGS] = 1000;
	b.v[CTR_TCP_OUT_SEGS] = 1044;
	counters_delta(&a, &b, &d);
	CHECK(d.v[CTR_TCP_OUT_SEGS] == 44 && has(&d, CTR_TCP_OUT_SEGS), "delta of a counter");
	CHECK(!has(&d, CTR_SOFTIRQ_NS), "delta absent where one reading was");
	CHECK(!strcmp(counter_name(CTR_TCP_DATA_SEGS_OUT), "tcp_data_segs_out"), "names");

	/* /proc/PID/stat of pasta, its comm holding a space and a ')' */
	struct proc_cpu pc;
	CHECK(counters_parse_pid_stat("7865 (pasta (x) y) S 1 7864 7864 0 -1 4194624 123 0 0 0 "
				      "3 28 0 0 20 0 1 0 52525 0 0", 100, &pc) == 0
	      && pc.user_ns == 30000000ULL && pc.sys_ns == 280000000ULL,
	      "pid stat: utime 3 and stime 28 ticks at 100 Hz");
	CHECK(counters_parse_pid_stat("7865 (pasta) S 1", 100, &pc) < 0, "a truncated pid stat is refused");

	/* the window's exact total, split as its ticks split it */
	struct proc_cpu w0 = { 10, 100, 1000 }, w1 = { 30, 160, 2000 };
	uint64_t u, s;
	proc_cpu_window(&w0, &w1, &u, &s);
	CHECK(u == 250 && s == 750, "split 20:60 of a 1000 ns window: %llu/%llu",
	      (unsigned long long)u, (unsigned long long)s);
	w1.user_ns = 10, w1.sys_ns = 100;       /* no tick in the window: the split since start */
	proc_cpu_window(&w0, &w1, &u, &s);
	CHECK(u + s == 1000 && u == 90, "no tick: split 10:100 -> %llu/%llu",
	      (unsigned long long)u, (unsigned long long)s);
	return unit_done();
}
