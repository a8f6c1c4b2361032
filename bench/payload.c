/*
 * payload.c - message buffers and the --verify pattern.
 */
#include "payload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void *alloc_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int payload_init(struct payload *pl, size_t size, size_t rx_size, size_t rx_cap, bool verify)
{
	memset(pl, 0, sizeof(*pl));
	pl->size = size;
	pl->rx_size = rx_size;
	pl->rx_cap = rx_cap;
	pl->verify = verify;
	pl->tx = alloc_buf(size);
	pl->rx = rx_cap ? alloc_buf(rx_cap) : NULL;
	if (!pl->tx || (rx_cap && !pl->rx)) {
		payload_free(pl);
		return -ENOMEM;
	}
	/* Non-zero bytes, so that no page is a shared zero page. */
	memset(pl->tx, 0xa5, size);
	return 0;
}

void payload_free(struct payload *pl)
{
	if (pl->tx)
		munmap(pl->tx, pl->size);
	if (pl->rx)
		munmap(pl->rx, pl->rx_cap);
	pl->tx = pl->rx = NULL;
}

uint8_t payload_byte(uint64_t seq, size_t offset)
{
	if (offset < 8)
		return (uint8_t)(seq >> (8 * offset));
	return (uint8_t)(seq * 131u + offset * 7u + (offset >> 8));
}

void payload_fill(const struct payload *pl, uint8_t *buf, uint64_t seq)
{
	if (!pl->verify)
		return;
	for (size_t i = 0; i < pl->size; i++)
		buf[i] = payload_byte(seq, i);
}

void payload_check_stream(struct payload *pl, const uint8_t *data, size_t n)
{
	uint64_t seq = pl->rx_offset / pl->rx_size;
	size_t off = (size_t)(pl->rx_offset % pl->rx_size);

	if (!pl->verify)
		return;
	for (size_t i = 0; i < n; i++) {
		if (data[i] != payload_byte(seq, off)) {
			if (!pl->errors)
				pl->first_bad = pl->rx_offset + i;
			pl->errors++;
		}
		if (++off == pl->rx_size) {
			off = 0;
			seq++;
		}
	}
	pl->rx_offset += n;
}

uint64_t payload_seq(const uint8_t *data, size_t n)
{
	uint64_t seq = 0;

	for (size_t i = 0; i < n && i < 8; i++)
		seq |= (uint64_t)data[i] << (8 * i);
	return seq;
}

void payload_check_seq(struct payload *pl, const uint8_t *data, size_t n, uint64_t seq)
{
	if (!pl->verify)
		return;
	for (size_t i = 0; i < n; i++)
		pl->errors += data[i] != payload_byte(seq, i);
}

void payload_check_lossy(struct payload *pl, const uint8_t *data, size_t n)
{
	uint64_t seq;

	if (!pl->verify || n < 8)
		return;
	seq = payload_seq(data, 8);
	if (seq < pl->next_seq) {
		pl->errors += n;            /* duplicated or reordered */
		return;
	}
	payload_check_seq(pl, data, n, seq);  /* the first 8 bytes are seq's: they match */
	pl->next_seq = seq + 1;
}
