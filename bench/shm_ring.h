/*
 * shm_ring.h - the shm transport's data path: two single-producer,
 * single-consumer byte rings in one shared mapping (one per direction).
 * A side waits for an empty or full ring on a futex (`--io sync`) or by
 * spinning on the ring's indices (`--io busy`). It is the floor a copy
 * through the kernel is measured against: one copy in, one copy out, and
 * a futex wake only when the other side sleeps (none when it spins).
 */
#ifndef IPCPERF_SHM_RING_H
#define IPCPERF_SHM_RING_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"

#define SHM_RING_BYTES (1u << 20)   /* per direction; a power of two */

struct shm_ring;

/* Bytes to map for both rings. */
size_t shm_map_bytes(void);
/* Initialise both rings in a fresh mapping (the server does it once). */
void shm_map_init(void *map);
/* The ring a side writes to and the one it reads from. */
struct shm_ring *shm_ring_c2s(void *map);
struct shm_ring *shm_ring_s2c(void *map);

/*
 * The mapping of the current connection: set by the shm socket unit when it
 * connects or accepts, read by the ring io modes' attach (one test at a time
 * per process).
 */
void shm_set_current(void *map, int is_server);

/* The ring's data path waiting on a futex (for --io sync) or spinning (busy). */
extern const struct io_ops shm_futex_io;
extern const struct io_ops shm_spin_io;

#endif
