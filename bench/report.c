/*
 * report.c - print one record, key=value or JSON, from one field list.
 *
 *   socket=tcp io=sync mode=latency size_bytes=100 ... status=ok
 *   elapsed_s=2.000 messages=25601 ... lat_p50_ns=77823 ... note=""
 */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "cfg.h"

struct out {
	FILE *f;
	bool json;
	int n;
};

static void key(struct out *o, const char *k)
{
	if (o->json)
		fprintf(o->f, "%s\"%s\": ", o->n++ ? ", " : "{", k);
	else
		fprintf(o->f, "%s%s=", o->n++ ? " " : "", k);
}

/* Strings are quoted in JSON always, in key=value only when needed. */
static void put_str(struct out *o, const char *k, const char *v)
{
	bool quote = o->json || !*v || strpbrk(v, " \t\"\\=");

	key(o, k);
	if (quote)
		fputc('"', o->f);
	for (const char *p = v; *p; p++) {
		if (quote && (*p == '"' || *p == '\\'))
			fputc('\\', o->f);
		fputc((unsigned char)*p < 0x20 ? ' ' : *p, o->f);
	}
	if (quote)
		fputc('"', o->f);
}

static void put_u64(struct out *o, const char *k, uint64_t v)
{
	key(o, k);
	fprintf(o->f, "%llu", (unsigned long long)v);
}

static void put_int(struct out *o, const char *k, long v)
{
	key(o, k);
	fprintf(o->f, "%ld", v);
}

static void put_dbl(struct out *o, const char *k, double v)
{
	key(o, k);
	fprintf(o->f, "%.9g", v);
}

/* An absent value: null in JSON, empty in key=value. */
static void put_none(struct out *o, const char *k)
{
	key(o, k);
	if (o->json)
		fputs("null", o->f);
}

static void put_measured_u64(struct out *o, const char *k, uint64_t v, bool measured)
{
	if (measured)
		put_u64(o, k, v);
	else
		put_none(o, k);
}

static void put_opt_int(struct out *o, const char *k, long v, bool present)
{
	if (present)
		put_int(o, k, v);
	else
		put_none(o, k);
}

/* side_<counter> for each kernel counter; null where it could not be read. */
static void put_counters(struct out *o, const char *side, const struct counters *c, bool measured)
{
	char k[48];

	for (int i = 0; i < CTR_COUNT; i++) {
		snprintf(k, sizeof(k), "%s%s", side, counter_name((enum counter_id)i));
		if (measured && (c->present & (1u << i)))
			put_u64(o, k, c->v[i]);
		else
			put_none(o, k);
	}
}

static void put_settings(struct out *o, const struct record *r)
{
	const struct bench_cfg *c = r->cfg;

	put_str(o, "ipcperf_version", IPCPERF_VERSION);
	put_str(o, "socket", c->socket);
	put_str(o, "io", c->io);
	put_str(o, "mode", c->mode_name);
	put_u64(o, "size_bytes", c->size);
	put_measured_u64(o, "resp_size_bytes", r->resp_size, r->resp_size != 0);
	put_u64(o, "recv_size_bytes", r->recv_size);
	put_u64(o, "flows", c->flows);
	put_dbl(o, "duration_s", c->duration_s);
	put_dbl(o, "warmup_s", c->warmup_s);
	put_opt_int(o, "nodelay", r->nodelay, r->nodelay >= 0);
	put_int(o, "verify", c->verify);
	put_opt_int(o, "client_cpu", c->cpu, c->cpu >= 0);
	put_opt_int(o, "server_cpu", r->server_cpu, r->server_cpu >= 0);
	put_str(o, "io_features", r->io_features);
	if (r->conn_close)
		put_str(o, "conn_close", r->conn_close);
	else
		put_none(o, "conn_close");
}

/* Percentiles of a histogram as prefix_{mean,p50,...,max}_ns; null when absent. */
static void put_percentiles(struct out *o, const char *prefix, bool have, double mean,
			    const uint64_t pct[REPORT_PCTS])
{
	static const char *const names[] = { "mean", "p50", "p90", "p99", "p999", "max" };
	char k[48];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(k, sizeof(k), "%s_%s_ns", prefix, names[i]);
		if (!have)
			put_none(o, k);
		else if (i == 0)
			put_dbl(o, k, mean);
		else
			put_u64(o, k, pct[i - 1]);
	}
}

static void put_latency(struct out *o, const struct record *r)
{
	put_percentiles(o, "lat", r->measured && r->has_latency, r->lat_mean_ns, r->lat_pct_ns);
	put_percentiles(o, "connect", r->measured && r->has_connect, r->connect_mean_ns,
			r->connect_pct_ns);
}

static void put_measurement(struct out *o, const struct record *r)
{
	static const char *const fields[] = {
		"elapsed_s", "messages", "bytes", "bytes_per_s", "msgs_per_s",
		"client_cpu_s", "server_cpu_s", "cpu_ns_per_msg",
		"client_user_s", "client_sys_s", "server_user_s", "server_sys_s",
		"client_vcsw", "client_ivcsw", "server_vcsw", "server_ivcsw",
	};
	double cpu_ns = (r->client_cpu_s + r->server_cpu_s) * 1e9;

	if (!r->measured) {
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			put_none(o, fields[i]);
		put_latency(o, r);
		return;
	}
	put_dbl(o, "elapsed_s", r->elapsed_s);
	put_u64(o, "messages", r->messages);
	put_u64(o, "bytes", r->bytes);
	put_dbl(o, "bytes_per_s", (double)r->bytes / r->elapsed_s);
	put_dbl(o, "msgs_per_s", (double)r->messages / r->elapsed_s);
	put_dbl(o, "client_cpu_s", r->client_cpu_s);
	put_dbl(o, "server_cpu_s", r->server_cpu_s);
	put_dbl(o, "cpu_ns_per_msg", r->messages ? cpu_ns / (double)r->messages : 0.0);
	put_dbl(o, "client_user_s", r->client_user_s);
	put_dbl(o, "client_sys_s", r->client_sys_s);
	put_dbl(o, "server_user_s", r->server_user_s);
	put_dbl(o, "server_sys_s", r->server_sys_s);
	put_u64(o, "client_vcsw", r->client_vcsw);
	put_u64(o, "client_ivcsw", r->client_ivcsw);
	put_u64(o, "server_vcsw", r->server_vcsw);
	put_u64(o, "server_ivcsw", r->server_ivcsw);
	put_latency(o, r);
}

/* The forwarders' CPU time; null when none was named or nothing measured. */
static void put_forwarder(struct out *o, const struct record *r)
{
	if (r->measured && r->has_forwarder) {
		put_dbl(o, "forwarder_user_s", r->forwarder_user_s);
		put_dbl(o, "forwarder_sys_s", r->forwarder_sys_s);
	} else {
		put_none(o, "forwarder_user_s");
		put_none(o, "forwarder_sys_s");
	}
}

void report_print(const struct record *r, bool json)
{
	struct out o = { .f = stdout, .json = json, .n = 0 };

	put_settings(&o, r);
	put_str(&o, "status", r->status);
	put_measurement(&o, r);
	put_counters(&o, "client_", &r->client_kernel, r->measured);
	put_counters(&o, "server_", &r->server_kernel, r->measured);
	if (r->measured && r->has_loss)
		put_dbl(&o, "loss_ratio", r->loss_ratio);
	else
		put_none(&o, "loss_ratio");
	put_forwarder(&o, r);
	put_measured_u64(&o, "connections", r->connections, r->measured);
	put_measured_u64(&o, "client_msgs_total", r->client_msgs_total, r->measured);
	put_measured_u64(&o, "server_msgs_total", r->server_msgs_total, r->measured);
	put_measured_u64(&o, "window_start_ns", r->window_start_ns, r->measured);
	put_u64(&o, "verify_errors", r->verify_errors);
	put_str(&o, "note", r->note);
	fputs(json ? "}\n" : "\n", stdout);
	fflush(stdout);
}
