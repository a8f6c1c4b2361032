/*
 * io_sync.c - plain blocking read()/write() (recv/send for datagrams), the
 * default I/O mode and the reference the others are compared with: a side
 * with nothing to read sleeps in the kernel until the peer's bytes wake it.
 * The socket's SO_RCVTIMEO/SO_SNDTIMEO (the watchdog on pipes) bounds each
 * call by --timeout.
 *
 *   $ bench/ipcperf client --socket unix-stream --addr /tmp/s --mode latency --size 100
 *   ... io=sync ... client_vcsw=28006 ... server_vcsw=28289 ...
 *   (about one voluntary context switch per round trip on each side)
 */
#include "io.h"

/* No wait hook: the fd blocks by itself (io.h). */
const struct io_ops sync_io = {
	.name = "sync",
	.send_msg = io_rw_send_msg,
	.recv_some = io_rw_recv_some,
	.send_eof = io_socket_eof,
};
