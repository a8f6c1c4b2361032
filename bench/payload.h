/*
 * payload.h - message buffers and the --verify pattern.
 *
 * Message m carries its sequence number m little-endian in its first
 * 8 bytes (fewer when size < 8) and a byte pattern derived from m and the
 * offset after that, so a lost, duplicated, reordered or corrupted byte is
 * caught wherever it lands in a stream.
 */
#ifndef IPCPERF_PAYLOAD_H
#define IPCPERF_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct payload {
	uint8_t *tx;          /* one message to send (size bytes) */
	uint8_t *rx;          /* receive buffer (rx_cap bytes) */
	size_t size;          /* bytes of a message this side sends */
	size_t rx_size;       /* bytes of a message this side receives (requests and
	                       * replies may differ: --resp-size) */
	size_t rx_cap;
	bool verify;
	uint64_t rx_offset;   /* stream offset checked so far */
	uint64_t errors;      /* mismatching bytes seen */
	uint64_t first_bad;   /* stream offset of the first mismatch */
	uint64_t next_seq;    /* lossy paths: the lowest sequence number still valid */
};

/* Allocate both buffers (page-aligned, pre-faulted; no rx buffer when
 * rx_cap is 0) for messages of size bytes sent and rx_size received;
 * 0 or -ENOMEM. */
int payload_init(struct payload *pl, size_t size, size_t rx_size, size_t rx_cap, bool verify);
void payload_free(struct payload *pl);

/* Write message seq into buf, pl->size bytes (only when verifying; else a
 * no-op). buf is pl->tx, or a buffer an io mode queues from. */
void payload_fill(const struct payload *pl, uint8_t *buf, uint64_t seq);

/* Check n received bytes continuing the stream of rx_size-byte messages;
 * counts mismatches. */
void payload_check_stream(struct payload *pl, const uint8_t *data, size_t n);

/*
 * Check one datagram of a lossy path (UDP): its own sequence number says
 * which message it is, so a lost datagram is not a mismatch, but a
 * duplicate or a reordered one is. Messages under 8 bytes cannot carry a
 * whole sequence number and are only counted.
 */
void payload_check_lossy(struct payload *pl, const uint8_t *data, size_t n);

/*
 * Messages that stand alone (a connection per transaction, where the
 * server cannot know which client's sequence a request continues):
 * payload_seq() is the number a message carries in its first min(n, 8)
 * bytes, and payload_check_seq() checks that n bytes are message seq.
 */
uint64_t payload_seq(const uint8_t *data, size_t n);
void payload_check_seq(struct payload *pl, const uint8_t *data, size_t n, uint64_t seq);

/* The expected byte at `offset` within message `seq`. */
uint8_t payload_byte(uint64_t seq, size_t offset);

#endif
