/*
 * io_uring.c - the `uring` I/O mode: the same messages as `sync`, moved
 * through io_uring (liburing). Request/response keeps exactly one
 * operation in flight (a send, waited for, then a receive, waited for), so
 * it compares one to one with sync. A one-way stream uses the queue hooks
 * of io.h (the workload's loop stays in mode_throughput.c): the sender
 * keeps --qd sends in flight as one ordered chain, the receiver uses one
 * multishot receive over a provided-buffer ring and hands each buffer to
 * the workload in place. What the kernel offers is probed at setup and
 * named in io_features.
 *
 *   $ bench/ipcperf client --socket tcp --addr 127.0.0.1 --port 40123 \
 *         --io uring --mode throughput --size 64K --zc
 *   ... io_features="qd=8 single_issuer defer_taskrun ring_fd linked_sends
 *   fixed_buf send_zc zc_copied=41230/41230 recv_multishot pbuf_ring=64x64K" ...
 *   (the client's words, then the server's it did not name; on loopback the
 *   kernel copies every zero-copy send)
 *
 * Completions are routed by user_data: the operation in the upper 32 bits,
 * the send slot (or 0) in the lower 32. liburing returns -errno.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <liburing.h>

#include "cfg.h"
#include "io.h"
#include "mode.h"
#include "sock.h"
#include "util.h"

/* uapi of 6.2+, newer than liburing 2.3's copy of linux/io_uring.h. */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE   (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED  (1U << 31)
#endif

/*
 * Default --qd for the throughput sender: the length of one chain of linked
 * sends. Measured on the reference machine (2 vCPUs, kernel 6.18, pinned
 * split, 4 alternating reps of 1 s, median MB/s for qd 2/4/8/16/32):
 *   unix-stream 100 B   92   89  102  101  102
 *   tcp         100 B  195  223  242  251  255
 *   64 KiB and 1 MiB, both sockets: flat within the run-to-run noise (~10%)
 * Small messages gain while the chain amortises io_uring_enter (one per qd
 * sends); large ones are bound by the copy and the socket buffer, which
 * keeps the receiver fed across a chain refill. 8 is the smallest depth
 * within 5% of the best everywhere, and keeps qd*size pinned-in-flight
 * memory small.
 */
#define URING_DEFAULT_QD    8
#define URING_MAX_REGIONS   4            /* registered send buffers */
#define PBUF_GROUP          0            /* provided-buffer group id */
#define PBUF_MAX_BYTES      (8u << 20)   /* all provided buffers together */
#define PBUF_MAX_LEN        (16u << 20)  /* one provided buffer */
#define PBUF_MAX_COUNT      64u
/* How long the multishot receive may sleep before we look ourselves. */
#define MSHOT_IDLE_CHECK_NS (50 * 1000000ull)

enum ur_op {
	OP_SEND = 1,       /* idx = send slot */
	OP_RECV,           /* one-shot receive */
	OP_RECV_MSHOT,     /* the multishot receive */
	OP_CANCEL,
	OP_PROBE,
};

#define UD(op, idx)   ((uint64_t)(op) << 32 | (uint32_t)(idx))
#define UD_OP(ud)     ((unsigned)((ud) >> 32))
#define UD_IDX(ud)    ((uint32_t)(ud))

/* One message of the one-way sender's chain, by its place in the chain. */
struct ur_slot {
	const uint8_t *buf;
	size_t len;
	size_t off;            /* bytes of this message already sent */
	unsigned notifs;       /* SEND_ZC notifications still owed for buf */
	bool done;
};

struct ur {
	struct io_uring ring;
	bool ring_ok;
	uint64_t timeout_ns;
	unsigned qd;
	unsigned inflight;     /* CQEs the kernel still owes us */
	const char *taskrun;   /* "single_issuer defer_taskrun", "coop_taskrun" or NULL */
	bool ring_fd;          /* io_uring_register_ring_fd worked */
	bool send_fixed;       /* IORING_OP_SEND takes registered buffers */
	bool mshot;            /* multishot recv with a provided-buffer ring works */
	bool zc;               /* --zc: SEND_ZC */
	bool zc_report;        /* IORING_SEND_ZC_REPORT_USAGE accepted */
	bool fixed_failed;     /* registration refused (RLIMIT_MEMLOCK ...) */
	struct iovec regions[URING_MAX_REGIONS];
	unsigned nregions;
	/* the throughput receiver's provided buffers */
	struct io_uring_buf_ring *br;
	size_t br_bytes;
	uint8_t *pbufs;
	size_t pbuf_len;
	unsigned npbufs;
	bool br_registered;
	int held;              /* the buffer the workload is reading, or -1 */
	/* the multishot receive of the current connection */
	bool armed, eof, kicked;
	unsigned kicks;        /* lost wake-ups seen (see ur_mshot_check) */
	uint64_t last_cqe;
	/* the one-way sender: slots[0..chain) are queued, not yet submitted */
	struct ur_slot *slots;
	unsigned chain;
	uint8_t *slot_mem;     /* --verify: a buffer per slot */
	size_t slot_mem_len;
	/* SEND_ZC accounting */
	uint64_t zc_notifs;
	uint64_t zc_copied;
	unsigned zc_owed;      /* notifications not yet seen */
};

static struct ur *UR(struct io_ctx *io)
{
	return io->priv;
}

static bool is_stream(const struct io_ctx *io)
{
	return !(io->sock_flags & SOCK_F_DGRAM);
}

static bool one_way(const struct io_ctx *io)
{
	return io->mode->one_way;
}

/* This side sends the messages of a one-way stream (or both ways). */
static bool is_sender(const struct io_ctx *io)
{
	return !one_way(io) || io->cfg->role == ROLE_CLIENT;
}

/* ---- waiting ----------------------------------------------------------- */

static struct __kernel_timespec ns_ts(uint64_t ns)
{
	struct __kernel_timespec ts = {
		.tv_sec = (long long)(ns / 1000000000u),
		.tv_nsec = (long long)(ns % 1000000000u),
	};
	return ts;
}

/*
 * Submit what is queued and wait until `want` CQEs are ready. SO_RCVTIMEO
 * does not apply to io_uring, so the wait is bounded by --timeout, counted
 * from the last CQE that arrived: a silent or killed peer gives -ETIMEDOUT.
 * The phase timer's SIGALRM interrupts the wait (-EINTR): wait again.
 */
static int ur_wait_ns(struct ur *u, unsigned want, uint64_t limit_ns)
{
	uint64_t deadline = now_ns() + limit_ns, now;
	unsigned seen = io_uring_cq_ready(&u->ring), ready;
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts;
	int ret;

	for (;;) {
		ready = io_uring_cq_ready(&u->ring);
		if (ready >= want && !io_uring_sq_ready(&u->ring))
			return 0;
		now = now_ns();
		if (ready > seen) {
			seen = ready;
			deadline = now + limit_ns;
		}
		if (now >= deadline)
			return -ETIMEDOUT;
		ts = ns_ts(deadline - now);
		ret = io_uring_submit_and_wait_timeout(&u->ring, &cqe, want, &ts, NULL);
		if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
			return ret;
	}
}

static int ur_wait(struct ur *u, unsigned want)
{
	return ur_wait_ns(u, want, u->timeout_ns);
}

/*
 * Bookkeeping every CQE needs, whatever waits for it: how many CQEs are
 * still owed, and the SEND_ZC notifications. Returns true for a SEND_ZC
 * notification (nothing else to do with it).
 */
static bool ur_account(struct ur *u, const struct io_uring_cqe *cqe)
{
	unsigned op = UD_OP(cqe->user_data);

	if (cqe->flags & IORING_CQE_F_NOTIF) {
		u->inflight--;
		u->zc_owed--;
		u->zc_notifs++;
		if (cqe->res & IORING_NOTIF_USAGE_ZC_COPIED)
			u->zc_copied++;
		if (op == OP_SEND && u->slots && u->slots[UD_IDX(cqe->user_data)].notifs)
			u->slots[UD_IDX(cqe->user_data)].notifs--;
		return true;
	}
	if (cqe->flags & IORING_CQE_F_MORE) {
		/* a live multishot, or a SEND_ZC result whose notification follows */
		if (op != OP_RECV_MSHOT) {
			u->zc_owed++;
			if (op == OP_SEND && u->slots)
				u->slots[UD_IDX(cqe->user_data)].notifs++;
		}
		return false;
	}
	u->inflight--;
	return false;
}

/* Wait for the CQE of the one operation in flight (plus any notifications). */
static int ur_wait_one(struct ur *u, int *res)
{
	struct io_uring_cqe *cqe;
	int ret;

	for (;;) {
		ret = ur_wait(u, 1);
		if (ret < 0)
			return ret;
		while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
			bool notif = ur_account(u, cqe);

			*res = cqe->res;
			io_uring_cqe_seen(&u->ring, cqe);
			if (!notif)
				return 0;
		}
	}
}

/* Wait until every SEND_ZC notification is in (the buffers are free again). */
static int ur_wait_notifs(struct ur *u)
{
	struct io_uring_cqe *cqe;
	int ret;

	while (u->zc_owed) {
		ret = ur_wait(u, 1);
		if (ret < 0)
			return ret;
		while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
			ur_account(u, cqe);
			io_uring_cqe_seen(&u->ring, cqe);
		}
	}
	return 0;
}

static struct io_uring_sqe *ur_sqe(struct ur *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {                 /* full: flush it (cannot happen with our sizes) */
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

/* ---- registered buffers -------------------------------------------------- */

/*
 * The registered-buffer index covering [buf, buf+len), registering it the
 * first time it is seen (during warm-up: the workloads reuse their
 * buffers). -1: send from the plain address.
 */
static int ur_buf_index(struct ur *u, const void *buf, size_t len)
{
	uintptr_t b = (uintptr_t)buf;
	int ret;

	if (!(u->send_fixed || u->zc) || u->fixed_failed)
		return -1;
	for (unsigned i = 0; i < u->nregions; i++) {
		uintptr_t r = (uintptr_t)u->regions[i].iov_base;

		if (b >= r && b + len <= r + u->regions[i].iov_len)
			return (int)i;
	}
	if (u->nregions == URING_MAX_REGIONS)
		return -1;
	if (u->nregions)
		io_uring_unregister_buffers(&u->ring);
	u->regions[u->nregions].iov_base = (void *)buf;
	u->regions[u->nregions].iov_len = len;
	ret = io_uring_register_buffers(&u->ring, u->regions, u->nregions + 1);
	if (ret < 0) {
		u->fixed_failed = true;   /* e.g. RLIMIT_MEMLOCK: plain sends it is */
		if (u->nregions && io_uring_register_buffers(&u->ring, u->regions, u->nregions) < 0)
			u->nregions = 0;
		return -1;
	}
	return (int)u->nregions++;
}

/*
 * One send of len bytes. Streams pass MSG_WAITALL: io_uring then retries a
 * short send itself and completes only when all len bytes are queued (or on
 * an error), which keeps linked sends in order (see ur_stream_send).
 */
static void ur_prep_send(struct io_ctx *io, struct io_uring_sqe *sqe, const void *buf,
			 size_t len, uint32_t slot)
{
	struct ur *u = UR(io);
	int flags = MSG_NOSIGNAL | (is_stream(io) ? MSG_WAITALL : 0);
	int idx = ur_buf_index(u, buf, len);

	if (u->zc) {
		unsigned zflags = u->zc_report ? IORING_SEND_ZC_REPORT_USAGE : 0;

		if (idx >= 0)
			io_uring_prep_send_zc_fixed(sqe, io->wfd, buf, len, flags, zflags, (unsigned)idx);
		else
			io_uring_prep_send_zc(sqe, io->wfd, buf, len, flags, zflags);
	} else {
		io_uring_prep_send(sqe, io->wfd, buf, len, flags);
		if (idx >= 0) {
			sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
			sqe->buf_index = (unsigned short)idx;
		}
	}
	io_uring_sqe_set_data64(sqe, UD(OP_SEND, slot));
	u->inflight++;
}

/* ---- setup and probes ------------------------------------------------------ */

static int unsupported(struct io_ctx *io, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int unsupported(struct io_ctx *io, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(io->why, sizeof(io->why), fmt, ap);
	va_end(ap);
	return -EOPNOTSUPP;
}

/* kernel.io_uring_disabled, or -1 when this kernel has no such sysctl. */
static int io_uring_disabled_sysctl(void)
{
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * Make the ring: SINGLE_ISSUER|DEFER_TASKRUN (6.1+: completions run only
 * when this task waits, in one batch), else COOP_TASKRUN (5.19+), else
 * plain. Only the flags' -EINVAL moves down the list; any other refusal
 * means io_uring itself is unavailable here.
 */
static int ur_make_ring(struct io_ctx *io, struct ur *u, unsigned entries)
{
	static const struct { unsigned flags; const char *name; } tries[] = {
		{ IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, "single_issuer defer_taskrun" },
		{ IORING_SETUP_COOP_TASKRUN, "coop_taskrun" },
		{ 0, NULL },
	};
	struct io_uring_params p;
	int ret = -EINVAL, disabled;

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = tries[i].flags | IORING_SETUP_CQSIZE;
		p.cq_entries = entries * 8 < 256 ? 256 : entries * 8;
		ret = io_uring_queue_init_params(entries, &u->ring, &p);
		if (ret == 0) {
			u->taskrun = tries[i].name;
			u->ring_ok = true;
			return 0;
		}
		if (ret != -EINVAL)
			break;
	}
	disabled = io_uring_disabled_sysctl();
	if (ret == -ENOSYS)
		return unsupported(io, "io_uring_setup: %s (kernel without io_uring, or blocked by seccomp)",
				   strerror(-ret));
	if ((ret == -EPERM || ret == -EACCES) && disabled > 0)
		return unsupported(io, "io_uring_setup: %s (kernel.io_uring_disabled=%d)",
				   strerror(-ret), disabled);
	if (ret == -EPERM || ret == -EACCES)
		return unsupported(io, "io_uring_setup: %s (blocked by a seccomp or LSM policy?)",
				   strerror(-ret));
	return unsupported(io, "io_uring_setup: %s", strerror(-ret));
}

/* Submit one probe SQE and return its result. */
static int ur_probe_op(struct ur *u, struct io_uring_sqe *sqe, int *res)
{
	io_uring_sqe_set_data64(sqe, UD(OP_PROBE, 0));
	u->inflight++;
	return ur_wait_one(u, res);
}

/*
 * Probes on a private socketpair (never the test's socket, whose bytes
 * belong to the measurement): does IORING_OP_SEND take a registered buffer,
 * is IORING_SEND_ZC_REPORT_USAGE known, and does a multishot receive over a
 * provided-buffer ring deliver. Each answers from the kernel's own
 * behaviour, so an old or a patched kernel is judged by what it does.
 */
static void ur_probe_send_fixed(struct ur *u, int sv[2])
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	struct iovec iov = { .iov_base = page, .iov_len = sizeof(page) };
	struct io_uring_sqe *sqe;
	char c;
	int res;

	if (io_uring_register_buffers(&u->ring, &iov, 1) < 0)
		return;
	sqe = ur_sqe(u);
	io_uring_prep_send(sqe, sv[0], page, 1, MSG_NOSIGNAL);
	sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
	sqe->buf_index = 0;
	if (ur_probe_op(u, sqe, &res) == 0 && res == 1) {
		u->send_fixed = true;
		while (recv(sv[1], &c, 1, MSG_DONTWAIT) == 1)
			;
	}
	io_uring_unregister_buffers(&u->ring);
}

static void ur_probe_zc_report(struct ur *u, int sv[2])
{
	struct io_uring_sqe *sqe = ur_sqe(u);
	char c = 0;
	int res;

	/* AF_UNIX has no zero-copy path: a known flag gets -EOPNOTSUPP at issue, an unknown one -EINVAL at prep. */
	io_uring_prep_send_zc(sqe, sv[0], &c, 1, MSG_NOSIGNAL, IORING_SEND_ZC_REPORT_USAGE);
	if (ur_probe_op(u, sqe, &res) == 0)
		u->zc_report = res != -EINVAL;
	ur_wait_notifs(u);
	u->zc_notifs = u->zc_copied = 0;
}

static int ur_pbuf_register(struct ur *u, size_t len, unsigned count)
{
	struct io_uring_buf_reg reg = { 0 };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int ret;

	u->br_bytes = (count * sizeof(struct io_uring_buf) + page - 1) / page * page;
	u->br = mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->br == MAP_FAILED) {
		u->br = NULL;
		return -ENOMEM;
	}
	u->pbufs = mmap(NULL, len * count, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (u->pbufs == MAP_FAILED) {
		u->pbufs = NULL;
		return -ENOMEM;
	}
	u->pbuf_len = len;
	u->npbufs = count;
	io_uring_buf_ring_init(u->br);
	reg.ring_addr = (uintptr_t)u->br;
	reg.ring_entries = count;
	reg.bgid = PBUF_GROUP;
	ret = io_uring_register_buf_ring(&u->ring, &reg, 0);
	if (ret < 0)
		return ret;
	u->br_registered = true;
	for (unsigned i = 0; i < count; i++)
		io_uring_buf_ring_add(u->br, u->pbufs + i * len, (unsigned)len, (unsigned short)i,
				      io_uring_buf_ring_mask(count), (int)i);
	io_uring_buf_ring_advance(u->br, (int)count);
	return 0;
}

static void ur_pbuf_release(struct ur *u)
{
	if (u->br_registered)
		io_uring_unregister_buf_ring(&u->ring, PBUF_GROUP);
	u->br_registered = false;
	if (u->br)
		munmap(u->br, u->br_bytes);
	if (u->pbufs)
		munmap(u->pbufs, u->pbuf_len * u->npbufs);
	u->br = NULL;
	u->pbufs = NULL;
}

/*
 * The provided buffers for a receiver reading rx bytes per receive: as many
 * as fit in PBUF_MAX_BYTES, at least 2 (the ring cycles through all of
 * them, so more would only spread the copies over more cache).
 */
static void ur_pbuf_plan(size_t rx, size_t *len, unsigned *count)
{
	*len = rx > PBUF_MAX_LEN ? PBUF_MAX_LEN : rx;
	*count = PBUF_MAX_COUNT;
	while (*count > 2 && *count * *len > PBUF_MAX_BYTES)
		*count /= 2;
}

static void ur_prep_recv_mshot(struct ur *u, int fd, int flags)
{
	struct io_uring_sqe *sqe = ur_sqe(u);

	io_uring_prep_recv_multishot(sqe, fd, NULL, 0, flags);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = PBUF_GROUP;
	io_uring_sqe_set_data64(sqe, UD(OP_RECV_MSHOT, 0));
	u->inflight++;
}

static void ur_probe_mshot(struct ur *u, int sv[2])
{
	struct io_uring_cqe *cqe;
	bool more = false, buffer = false, ended = false;

	if (ur_pbuf_register(u, 64, 2) < 0)
		goto out;
	ur_prep_recv_mshot(u, sv[1], 0);
	if (io_uring_submit(&u->ring) < 0 || send(sv[0], "x", 1, MSG_NOSIGNAL) != 1 ||
	    shutdown(sv[0], SHUT_WR) < 0)
		goto out;
	while (!ended && ur_wait(u, 1) == 0) {
		while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
			ur_account(u, cqe);
			if (cqe->res == 1) {
				more = cqe->flags & IORING_CQE_F_MORE;
				buffer = cqe->flags & IORING_CQE_F_BUFFER;
			}
			if (!(cqe->flags & IORING_CQE_F_MORE))
				ended = true;     /* the end of stream (res 0) or a refusal */
			io_uring_cqe_seen(&u->ring, cqe);
		}
	}
	u->mshot = ended && more && buffer;
out:
	ur_pbuf_release(u);
}

static int ur_probe(struct io_ctx *io, struct ur *u)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(&u->ring);
	bool base, zc;
	int sv[2];

	if (!p)
		return unsupported(io, "IORING_REGISTER_PROBE failed (kernel older than 5.6)");
	base = io_uring_opcode_supported(p, IORING_OP_SEND) &&
	       io_uring_opcode_supported(p, IORING_OP_RECV) &&
	       io_uring_opcode_supported(p, IORING_OP_ASYNC_CANCEL);
	zc = io_uring_opcode_supported(p, IORING_OP_SEND_ZC);
	io_uring_free_probe(p);
	if (!base)
		return unsupported(io, "this kernel's io_uring lacks IORING_OP_SEND/RECV (needs 5.6 or later)");
	if (io->cfg->zc && !(io->sock_flags & SOCK_F_TCP))
		return unsupported(io, "--zc needs a tcp socket (AF_UNIX sockets have no zero-copy send)");
	if (io->cfg->zc && !zc)
		return unsupported(io, "--zc: this kernel's io_uring lacks IORING_OP_SEND_ZC (needs 6.0 or later)");
	u->zc = io->cfg->zc;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (u->zc)
		ur_probe_zc_report(u, sv);
	else
		ur_probe_send_fixed(u, sv);
	/* only a one-way receiver uses the multishot receive */
	if (!is_sender(io))
		ur_probe_mshot(u, sv);
	close(sv[0]);
	close(sv[1]);
	return u->inflight ? -EIO : 0;    /* every probe must have completed */
}

/* io->features: what this side uses, one word each. */
static void ur_features(struct io_ctx *io, struct ur *u)
{
	char *f = io->features;
	size_t cap = sizeof(io->features), n;
	bool sender = is_sender(io);

	n = (size_t)snprintf(f, cap, "qd=%u", u->qd);
	if (u->taskrun && n < cap)
		n += (size_t)snprintf(f + n, cap - n, " %s", u->taskrun);
	if (u->ring_fd && n < cap)
		n += (size_t)snprintf(f + n, cap - n, " ring_fd");
	if (sender && one_way(io) && n < cap)
		n += (size_t)snprintf(f + n, cap - n, " linked_sends");
	if (sender && (u->send_fixed || u->zc) && !u->fixed_failed && n < cap)
		n += (size_t)snprintf(f + n, cap - n, " fixed_buf");
	if (sender && u->zc && n < cap)
		n += (size_t)snprintf(f + n, cap - n, " send_zc%s", u->zc_report ? "" : " zc_usage_unknown");
	if (u->zc_notifs && u->zc_report && n < cap)
		n += (size_t)snprintf(f + n, cap - n, " zc_copied=%" PRIu64 "/%" PRIu64,
				      u->zc_copied, u->zc_notifs);
	if (!sender && u->mshot && n < cap) {
		if (u->pbuf_len % 1024)
			n += (size_t)snprintf(f + n, cap - n, " recv_multishot pbuf_ring=%ux%zu",
					      u->npbufs, u->pbuf_len);
		else
			n += (size_t)snprintf(f + n, cap - n, " recv_multishot pbuf_ring=%ux%zuK",
					      u->npbufs, u->pbuf_len / 1024);
	}
}

static void ur_release(struct ur *u);

/* The one-way sender's chain: qd slots; --verify gives each its own bytes. */
static int ur_slots_alloc(struct io_ctx *io, struct ur *u)
{
	u->slots = calloc(u->qd, sizeof(*u->slots));
	if (!u->slots)
		return -ENOMEM;
	if (!io->cfg->verify)
		return 0;             /* every message may go out of the workload's one buffer */
	u->slot_mem_len = io->size * u->qd;
	u->slot_mem = mmap(NULL, u->slot_mem_len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (u->slot_mem == MAP_FAILED) {
		u->slot_mem = NULL;
		return -ENOMEM;
	}
	ur_buf_index(u, u->slot_mem, u->slot_mem_len);   /* one registered region */
	return 0;
}

/* The one-way receiver's provided buffers; without them, one receive at a time. */
static void ur_pbufs_alloc(struct io_ctx *io, struct ur *u)
{
	size_t len;
	unsigned count;

	ur_pbuf_plan(io->rx_cap, &len, &count);
	if (ur_pbuf_register(u, len, count) < 0) {
		ur_pbuf_release(u);
		u->mshot = false;
	}
}

static int ur_setup(struct io_ctx *io)
{
	const struct bench_cfg *cfg = io->cfg;
	struct ur *u;
	unsigned entries = 8;
	int ret;

	if (io->sock_flags & SOCK_F_NOTSOCK)
		return unsupported(io, "this io mode sends and receives on sockets; %s is not one",
				   cfg->socket);
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	io->priv = u;
	u->held = -1;
	u->timeout_ns = (uint64_t)(cfg->timeout_s * 1e9);
	/* request/response: exactly one operation in flight, as sync */
	u->qd = !one_way(io) ? 1 : cfg->qd ? cfg->qd : URING_DEFAULT_QD;
	while (entries < u->qd + 2)
		entries *= 2;
	ret = ur_make_ring(io, u, entries);
	if (ret == 0) {
		u->ring_fd = io_uring_register_ring_fd(&u->ring) == 1;
		ret = ur_probe(io, u);
	}
	if (ret == 0 && one_way(io) && is_sender(io))
		ret = ur_slots_alloc(io, u);
	if (ret == 0 && u->mshot)
		ur_pbufs_alloc(io, u);
	if (ret < 0) {
		ur_release(u);
		io->priv = NULL;
		return ret;
	}
	ur_features(io, u);
	return 0;
}

/* A fresh connection: the multishot receive is not armed yet. */
static int ur_attach(struct io_ctx *io)
{
	struct ur *u = UR(io);

	u->armed = u->eof = u->kicked = false;
	u->kicks = 0;
	u->last_cqe = now_ns();
	return 0;
}

/* ---- one message at a time (request/response, and receivers without multishot) */

static ssize_t ur_send_msg(struct io_ctx *io, const void *buf, size_t len)
{
	struct ur *u = UR(io);
	size_t off = 0;
	int res, ret;

	do {
		ur_prep_send(io, ur_sqe(u), (const char *)buf + off, len - off, 0);
		ret = ur_wait_one(u, &res);
		if (ret < 0)
			return ret;
		if (res < 0)
			return res;
		if (!is_stream(io) && (size_t)res != len)
			return -EMSGSIZE;
		off += (size_t)res;     /* short only after an error: resend the rest */
	} while (off < len);
	/* the caller may rewrite buf next: SEND_ZC must have let go of it */
	ret = ur_wait_notifs(u);
	return ret < 0 ? ret : (ssize_t)len;
}

static ssize_t ur_recv_some(struct io_ctx *io, void *buf, size_t cap)
{
	struct ur *u = UR(io);
	struct io_uring_sqe *sqe = ur_sqe(u);
	int res, ret;

	/* MSG_TRUNC: a datagram's real length, so that truncation is seen */
	io_uring_prep_recv(sqe, io->fd, buf, cap, is_stream(io) ? 0 : MSG_TRUNC);
	io_uring_sqe_set_data64(sqe, UD(OP_RECV, 0));
	u->inflight++;
	ret = ur_wait_one(u, &res);
	return ret < 0 ? ret : res;
}

/* ---- a one-way stream's sender: queue hooks ------------------------------- */

/*
 * The sender keeps qd sends in flight as one chain of linked SQEs
 * (IOSQE_IO_LINK), each with MSG_WAITALL.
 *
 * Why: several independent sends in flight on one stream socket can
 * reorder bytes. A send that finds the socket buffer full sends part of its
 * message and waits for room; a later send, issued when room appears, can
 * slip its bytes in before that remainder. A link makes the kernel start
 * each send only when the one before it has completed, and MSG_WAITALL
 * makes "completed" mean "all len bytes queued" (io_uring resubmits the
 * short send internally), so the byte order is the submission order; a
 * send that still ends short (an error after some progress) breaks the
 * chain, and the rest come back -ECANCELED and are resubmitted in order.
 * Datagram sockets get the same links: a datagram that waits for room must
 * not be overtaken either (--verify checks the sequence).
 *
 * The cost: only one chain may be in flight (a second chain would run
 * beside the first), so queue_send gathers qd messages, then submits the
 * chain and waits for all of it. The socket buffer keeps the receiver fed
 * across that refill. What io_uring saves is system calls: one
 * io_uring_enter per qd messages.
 */
static void *ur_send_buf(struct io_ctx *io)
{
	struct ur *u = UR(io);

	return u->slot_mem ? u->slot_mem + (size_t)u->chain * io->size : NULL;
}

/* Submit the chain's unfinished messages, in order, linked. Returns how many. */
static unsigned ur_chain_submit(struct io_ctx *io, struct ur *u)
{
	struct io_uring_sqe *sqe = NULL;
	unsigned owed = 0;

	for (unsigned i = 0; i < u->chain; i++) {
		struct ur_slot *s = &u->slots[i];

		if (s->done)
			continue;
		sqe = ur_sqe(u);
		ur_prep_send(io, sqe, s->buf + s->off, s->len - s->off, i);
		sqe->flags |= IOSQE_IO_LINK;
		owed++;
	}
	if (sqe)
		sqe->flags &= (__u8)~IOSQE_IO_LINK;
	return owed;
}

/* Reap the owed CQEs of a submitted chain; *left counts unfinished messages. */
static int ur_chain_reap(struct io_ctx *io, struct ur *u, unsigned owed, unsigned *left)
{
	struct io_uring_cqe *cqe;
	int ret;

	while (owed) {
		if ((ret = ur_wait(u, owed)) < 0)
			return ret;
		while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
			struct ur_slot *s = &u->slots[UD_IDX(cqe->user_data)];
			int res = cqe->res;
			bool notif = ur_account(u, cqe);

			io_uring_cqe_seen(&u->ring, cqe);
			if (notif)
				continue;
			owed--;
			if (res == -ECANCELED)
				continue;               /* after a broken link: resubmitted */
			if (res < 0)
				return res;
			if (!is_stream(io) && (size_t)res != s->len)
				return -EMSGSIZE;
			s->off += (size_t)res;
			if (s->off == s->len && !s->done) {
				s->done = true;
				(*left)--;
			}
		}
	}
	return 0;
}

/* Send the gathered chain until every message in it is out; returns their count. */
static ssize_t ur_chain_run(struct io_ctx *io, struct ur *u)
{
	unsigned left = u->chain;
	ssize_t n = u->chain;
	int ret;

	while (left)
		if ((ret = ur_chain_reap(io, u, ur_chain_submit(io, u), &left)) < 0)
			return ret;
	u->chain = 0;
	/* the slots are refilled next: SEND_ZC must have let go of them */
	if (u->slot_mem && (ret = ur_wait_notifs(u)) < 0)
		return ret;
	return n;
}

static ssize_t ur_queue_send(struct io_ctx *io, const void *buf, size_t len)
{
	struct ur *u = UR(io);
	struct ur_slot *s = &u->slots[u->chain++];

	s->buf = buf;
	s->len = len;
	s->off = 0;
	s->done = false;
	return u->chain == u->qd ? ur_chain_run(io, u) : 0;
}

static ssize_t ur_flush_sends(struct io_ctx *io)
{
	struct ur *u = UR(io);
	ssize_t n = u->chain ? ur_chain_run(io, u) : 0;
	int ret;

	if (n < 0)
		return n;
	ret = ur_wait_notifs(u);
	ur_features(io, u);             /* now with zc_copied */
	if (u->zc && u->zc_notifs)
		fprintf(stderr, "ipcperf: uring SEND_ZC: the kernel copied %" PRIu64 " of %" PRIu64 " sends%s\n",
			u->zc_copied, u->zc_notifs, u->zc_report ? "" : " (usage not reported by this kernel)");
	return ret < 0 ? ret : n;
}

/* ---- a one-way stream's receiver: one multishot receive ---------------------- */

/* Give a provided buffer back to the ring. */
static void ur_pbuf_put(struct ur *u, unsigned bid)
{
	io_uring_buf_ring_add(u->br, u->pbufs + (size_t)bid * u->pbuf_len, (unsigned)u->pbuf_len,
			      (unsigned short)bid, io_uring_buf_ring_mask(u->npbufs), 0);
	io_uring_buf_ring_advance(u->br, 1);
}

/*
 * A multishot receive that sleeps although the socket holds data or the
 * end of stream: cancel it, so that the next wait arms a fresh one, which
 * receives at once. This is a lost wake-up: on kernel 6.18 the multishot
 * receive on an AF_UNIX stream misses the peer's shutdown about once in
 * 100 tests (seen only for the end of stream, never for data; liburing
 * issue #1549, "Recv Multishot misses EOF with AF_UNIX", a kernel bug).
 * Looking costs one recv(MSG_PEEK) per idle interval, nothing while data
 * flows, and at most MSHOT_IDLE_CHECK_NS after the window has closed.
 */
static int ur_mshot_check(struct io_ctx *io, struct ur *u)
{
	struct io_uring_sqe *sqe;
	char c;

	if (recv(io->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	sqe = ur_sqe(u);
	io_uring_prep_cancel64(sqe, UD(OP_RECV_MSHOT, 0), 0);
	io_uring_sqe_set_data64(sqe, UD(OP_CANCEL, 0));
	u->inflight++;
	u->kicked = true;
	u->kicks++;
	return 0;
}

/*
 * One CQE of the multishot receive: > 0 bytes in the buffer now held (at
 * *data), 0 nothing to hand out (the end of stream sets u->eof), or -errno.
 * When the ring runs dry the kernel ends the multishot with -ENOBUFS: the
 * next wait re-arms it.
 */
static ssize_t ur_mshot_cqe(struct ur *u, struct io_uring_cqe *cqe, const void **data)
{
	int res = cqe->res;
	unsigned cflags = cqe->flags, op = UD_OP(cqe->user_data);
	bool cancelled = res == -ECANCELED && u->kicked;

	ur_account(u, cqe);
	io_uring_cqe_seen(&u->ring, cqe);
	if (op != OP_RECV_MSHOT)
		return 0;                       /* the cancel of ur_mshot_check */
	if (!(cflags & IORING_CQE_F_MORE))
		u->armed = u->kicked = false;
	if (res > 0 && !(cflags & IORING_CQE_F_BUFFER))
		return -EPROTO;
	if (cflags & IORING_CQE_F_BUFFER) {
		unsigned bid = cflags >> IORING_CQE_BUFFER_SHIFT;

		if (res <= 0) {
			ur_pbuf_put(u, bid);
		} else {
			u->held = (int)bid;
			*data = u->pbufs + (size_t)bid * u->pbuf_len;
			return res;
		}
	}
	if (res == 0)
		u->eof = true;                  /* end of stream, or the empty datagram */
	else if (res < 0 && res != -ENOBUFS && !cancelled)
		return res;
	return 0;
}

/*
 * recv_buf: the next buffer the multishot receive filled, handed to the
 * workload in place (stream buffers are rx_cap bytes, datagram buffers one
 * message, received with MSG_TRUNC so a larger datagram reports its real
 * length); the previous one goes back to the ring first, since the
 * workload has counted and checked it. Without multishot, one receive into
 * the workload's buffer.
 */
static ssize_t ur_recv_buf(struct io_ctx *io, void *buf, size_t cap, const void **data)
{
	struct ur *u = UR(io);
	struct io_uring_cqe *cqe;
	ssize_t n;
	int ret;

	if (!u->mshot) {
		*data = buf;
		return ur_recv_some(io, buf, cap);
	}
	if (u->held >= 0)
		ur_pbuf_put(u, (unsigned)u->held);
	u->held = -1;
	for (;;) {
		while (!u->eof && io_uring_peek_cqe(&u->ring, &cqe) == 0)
			if ((n = ur_mshot_cqe(u, cqe, data)) != 0)
				return n;
		if (u->eof)
			return 0;
		if (!u->armed) {
			ur_prep_recv_mshot(u, io->fd, is_stream(io) ? 0 : MSG_TRUNC);
			u->armed = true;
		}
		ret = ur_wait_ns(u, 1, MSHOT_IDLE_CHECK_NS);
		if (ret == -ETIMEDOUT) {
			if (now_ns() - u->last_cqe >= u->timeout_ns)
				return -ETIMEDOUT;
			if (!u->kicked && (ret = ur_mshot_check(io, u)) < 0)
				return ret;
			continue;
		}
		if (ret < 0)
			return ret;
		u->last_cqe = now_ns();
	}
}

/* ---- teardown --------------------------------------------------------------- */

/*
 * Cancel what is still in flight and collect its CQEs before the ring
 * goes: the server reuses a unix-dgram socket for the next client, and a
 * receive left armed on it would take that client's first datagram.
 */
static void ur_quiesce(struct io_ctx *io, struct ur *u)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	bool cancel_refused = false;

	if (!u->inflight)
		return;
	sqe = ur_sqe(u);
	io_uring_prep_cancel_fd(sqe, io->fd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, UD(OP_CANCEL, 0));
	u->inflight++;
	while (u->inflight && !cancel_refused && ur_wait(u, 1) == 0) {
		while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
			/* -EINVAL: a kernel before 5.19 cannot cancel by fd; exiting the ring cancels */
			if (UD_OP(cqe->user_data) == OP_CANCEL && cqe->res == -EINVAL)
				cancel_refused = true;
			if (cqe->flags & IORING_CQE_F_BUFFER)   /* the ring keeps all its buffers */
				ur_pbuf_put(u, cqe->flags >> IORING_CQE_BUFFER_SHIFT);
			ur_account(u, cqe);
			io_uring_cqe_seen(&u->ring, cqe);
		}
	}
}

/* The connection's part ends: nothing of ours stays in flight on its fd. */
static void ur_detach(struct io_ctx *io)
{
	struct ur *u = UR(io);

	ur_quiesce(io, u);
	if (u->held >= 0)
		ur_pbuf_put(u, (unsigned)u->held);
	u->held = -1;
	if (u->kicks)
		fprintf(stderr, "ipcperf: uring: the multishot receive slept with data or the end of stream waiting; re-armed it %u time%s (a lost kernel wake-up)\n",
			u->kicks, u->kicks == 1 ? "" : "s");
	u->kicks = 0;
}

static void ur_release(struct ur *u)
{
	if (u->ring_ok)
		ur_pbuf_release(u);
	if (u->nregions)
		io_uring_unregister_buffers(&u->ring);
	if (u->ring_ok)
		io_uring_queue_exit(&u->ring);
	if (u->slot_mem)
		munmap(u->slot_mem, u->slot_mem_len);
	free(u->slots);
	free(u);
}

static void ur_fini(struct io_ctx *io)
{
	struct ur *u = UR(io);

	if (!u)
		return;
	ur_quiesce(io, u);
	ur_release(u);
	io->priv = NULL;
}

const struct io_ops uring_io = {
	.name = "uring",
	.setup = ur_setup,
	.attach = ur_attach,
	.send_msg = ur_send_msg,
	.recv_some = ur_recv_some,
	.detach = ur_detach,
	.send_eof = io_socket_eof,
	.fini = ur_fini,
	.send_buf = ur_send_buf,
	.queue_send = ur_queue_send,
	.flush_sends = ur_flush_sends,
	.recv_buf = ur_recv_buf,
};
