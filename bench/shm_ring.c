/*
 * shm_ring.c - byte rings in shared memory, as two io_ops (how a side
 * waits) so that the workloads run over them unchanged: `--io sync` sleeps
 * on a futex, `--io busy` spins on the ring's indices and never enters the
 * kernel (the floor: what moving bytes between two cores costs without a
 * wake-up).
 *
 * Each ring has a head (bytes written) and a tail (bytes read), each on
 * its own cache line. A sleeping side that finds the ring empty (reader) or
 * full (writer) announces itself in a `waiting` word, re-checks, and sleeps
 * on a sequence word with FUTEX_WAIT bounded by --timeout; the other side
 * bumps the sequence after every move and wakes only when someone waits.
 * Sequence consistent atomics order "publish head, then look for a
 * sleeper" against "announce sleep, then look at head", so no wake-up is
 * lost. A spinning side re-reads the index until it moves (both sides of a
 * test wait the same way: the io mode travels in the hello), checking the
 * clock every SPIN_CLOCK_EVERY rounds for --timeout.
 *
 *   $ bench/ipcperf client --socket shm --addr /tmp/d/s --io busy --mode latency --size 100
 *   ... io=busy ... io_features="ring=1024KiB spin" ... client_vcsw=0 ...
 */
#include "shm_ring.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "io.h"
#include "util.h"

#define CACHELINE 64
#define SPIN_CLOCK_EVERY 1024

struct shm_ring {
	uint64_t head __attribute__((aligned(CACHELINE)));
	uint32_t data_seq;          /* bumped after each write: readers sleep on it */
	uint32_t reader_waiting;
	uint32_t closed;            /* the writer sent end of stream */
	uint64_t tail __attribute__((aligned(CACHELINE)));
	uint32_t space_seq;         /* bumped after each read: writers sleep on it */
	uint32_t writer_waiting;
	uint8_t data[SHM_RING_BYTES] __attribute__((aligned(CACHELINE)));
};

struct shm_side {
	struct shm_ring *tx;
	struct shm_ring *rx;
	struct timespec timeout;
	uint64_t timeout_ns;
	uint64_t tail_seen;         /* tx's tail when last read (never ahead of it) */
	bool spin;                  /* --io busy: spin on the indices, never sleep */
};

static void *current_map;
static int current_is_server;

size_t shm_map_bytes(void)
{
	return 2 * sizeof(struct shm_ring);
}

void shm_map_init(void *map)
{
	memset(map, 0, shm_map_bytes());
}

struct shm_ring *shm_ring_c2s(void *map)
{
	return (struct shm_ring *)map;
}

struct shm_ring *shm_ring_s2c(void *map)
{
	return (struct shm_ring *)map + 1;
}

void shm_set_current(void *map, int is_server)
{
	current_map = map;
	current_is_server = is_server;
}

#define LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

/* The spinning core's hint that it waits (SMT siblings and power). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * Sleep until ready(r) holds, the ring is closed, or the timeout passes.
 * Returns 0, or -ETIMEDOUT. EINTR (the phase timer) just loops.
 */
static int sleep_for(struct shm_ring *r, uint32_t *seq, uint32_t *waiting,
		     bool (*ready)(struct shm_ring *), const struct timespec *timeout)
{
	while (!ready(r) && !LOAD(&r->closed)) {
		uint32_t s = LOAD(seq);

		STORE(waiting, 1);
		if (ready(r) || LOAD(&r->closed)) {
			STORE(waiting, 0);
			break;
		}
		if (futex(seq, FUTEX_WAIT, s, timeout) < 0 && errno == ETIMEDOUT) {
			STORE(waiting, 0);
			return -ETIMEDOUT;
		}
		STORE(waiting, 0);
	}
	return 0;
}

/* Spin until ready(r) holds or the ring is closed; -ETIMEDOUT after timeout_ns. */
static int spin_for(struct shm_ring *r, bool (*ready)(struct shm_ring *), uint64_t timeout_ns)
{
	uint64_t deadline = 0;

	for (unsigned i = 1; !ready(r) && !LOAD(&r->closed); i++) {
		cpu_relax();
		if (i % SPIN_CLOCK_EVERY)
			continue;
		if (!deadline)
			deadline = now_ns() + timeout_ns;
		else if (now_ns() >= deadline)
			return -ETIMEDOUT;
	}
	return 0;
}

static bool has_data(struct shm_ring *r)
{
	return LOAD(&r->head) != LOAD(&r->tail);
}

static bool has_space(struct shm_ring *r)
{
	return LOAD(&r->head) - LOAD(&r->tail) < SHM_RING_BYTES;
}

/* Bump a sequence and wake its sleeper, if any. */
static void signal_seq(uint32_t *seq, uint32_t *waiting)
{
	__atomic_add_fetch(seq, 1, __ATOMIC_SEQ_CST);
	if (LOAD(waiting))
		futex(seq, FUTEX_WAKE, 1, NULL);
}

static int wait_for(const struct shm_side *s, struct shm_ring *r, uint32_t *seq,
		    uint32_t *waiting, bool (*ready)(struct shm_ring *))
{
	if (s->spin)
		return spin_for(r, ready, s->timeout_ns);
	return sleep_for(r, seq, waiting, ready, &s->timeout);
}

/*
 * Move an index forward. A sleeping peer needs the sequentially consistent
 * store (it is half of the "publish, then look for a sleeper" order); a
 * spinning one only needs the bytes visible before the index (release),
 * which saves a locked instruction per message on x86.
 */
static void publish(const struct shm_side *s, uint64_t *index, uint64_t v)
{
	if (s->spin)
		__atomic_store_n(index, v, __ATOMIC_RELEASE);
	else
		STORE(index, v);
}

/* After a move: wake the peer if it sleeps (a spinning peer sees the index). */
static void moved(const struct shm_side *s, uint32_t *seq, uint32_t *waiting)
{
	if (!s->spin)
		signal_seq(seq, waiting);
}

static void copy_in(struct shm_ring *r, uint64_t at, const uint8_t *src, size_t n)
{
	size_t off = (size_t)(at & (SHM_RING_BYTES - 1));
	size_t first = n < SHM_RING_BYTES - off ? n : SHM_RING_BYTES - off;

	memcpy(r->data + off, src, first);
	memcpy(r->data, src + first, n - first);
}

static void copy_out(struct shm_ring *r, uint64_t at, uint8_t *dst, size_t n)
{
	size_t off = (size_t)(at & (SHM_RING_BYTES - 1));
	size_t first = n < SHM_RING_BYTES - off ? n : SHM_RING_BYTES - off;

	memcpy(dst, r->data + off, first);
	memcpy(dst + first, r->data, n - first);
}

static struct shm_side the_side;

static int setup(struct io_ctx *io, bool spin)
{
	double t = io->cfg->timeout_s;

	the_side.spin = spin;
	the_side.timeout_ns = (uint64_t)(t * 1e9);
	the_side.timeout.tv_sec = (time_t)t;
	the_side.timeout.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
	io->priv = &the_side;
	snprintf(io->features, sizeof(io->features), "ring=%uKiB %s", SHM_RING_BYTES >> 10,
		 spin ? "spin" : "futex");
	return 0;
}

static int shm_futex_setup(struct io_ctx *io)
{
	return setup(io, false);
}

static int shm_spin_setup(struct io_ctx *io)
{
	return setup(io, true);
}

/* The rings of the connection the socket unit set up last. */
static int shm_attach(struct io_ctx *io)
{
	struct shm_side *s = io->priv;

	if (!current_map)
		return -ENOTCONN;
	s->tx = current_is_server ? shm_ring_s2c(current_map) : shm_ring_c2s(current_map);
	s->rx = current_is_server ? shm_ring_c2s(current_map) : shm_ring_s2c(current_map);
	s->tail_seen = LOAD(&s->tx->tail);
	return 0;
}

/*
 * Room for the writer, from the reader's tail as last seen, looked up again
 * only when the ring looks full: the tail's cache line then stays with the
 * reader instead of crossing cores twice per message.
 */
static uint64_t room_in(struct shm_side *s, struct shm_ring *r, uint64_t head)
{
	if (head - s->tail_seen == SHM_RING_BYTES)
		s->tail_seen = LOAD(&r->tail);
	return SHM_RING_BYTES - (head - s->tail_seen);
}

static ssize_t shm_send_msg(struct io_ctx *io, const void *buf, size_t len)
{
	struct shm_side *s = io->priv;
	struct shm_ring *r = s->tx;
	const uint8_t *src = buf;
	size_t done = 0;

	while (done < len) {
		uint64_t head = LOAD(&r->head), room = room_in(s, r, head);
		size_t n;
		int ret;

		if (!room) {
			ret = wait_for(s, r, &r->space_seq, &r->writer_waiting, has_space);
			if (ret < 0)
				return ret;
			continue;
		}
		n = len - done < room ? len - done : (size_t)room;
		copy_in(r, head, src + done, n);
		publish(s, &r->head, head + n);
		moved(s, &r->data_seq, &r->reader_waiting);
		done += n;
	}
	return (ssize_t)len;
}

static ssize_t shm_recv_some(struct io_ctx *io, void *buf, size_t cap)
{
	struct shm_side *s = io->priv;
	struct shm_ring *r = s->rx;
	uint64_t tail, avail;
	size_t n;
	int ret = wait_for(s, r, &r->data_seq, &r->reader_waiting, has_data);

	if (ret < 0)
		return ret;
	tail = LOAD(&r->tail);
	avail = LOAD(&r->head) - tail;
	if (!avail)
		return 0;                   /* closed and drained: end of stream */
	n = cap < avail ? cap : (size_t)avail;
	copy_out(r, tail, buf, n);
	publish(s, &r->tail, tail + n);
	moved(s, &r->space_seq, &r->writer_waiting);
	return (ssize_t)n;
}

static int shm_send_eof(struct io_ctx *io)
{
	struct shm_side *s = io->priv;

	STORE(&s->tx->closed, 1);
	signal_seq(&s->tx->data_seq, &s->tx->reader_waiting);
	return 0;
}

static void shm_fini(struct io_ctx *io)
{
	io->priv = NULL;
}

/* The names are the io modes they stand in for (sock_shm.c picks one). */
const struct io_ops shm_futex_io = {
	.name = "sync",
	.setup = shm_futex_setup,
	.attach = shm_attach,
	.send_msg = shm_send_msg,
	.recv_some = shm_recv_some,
	.send_eof = shm_send_eof,
	.fini = shm_fini,
};

const struct io_ops shm_spin_io = {
	.name = "busy",
	.flags = IO_F_SPINS,
	.setup = shm_spin_setup,
	.attach = shm_attach,
	.send_msg = shm_send_msg,
	.recv_some = shm_recv_some,
	.send_eof = shm_send_eof,
	.fini = shm_fini,
};
