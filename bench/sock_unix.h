/*
 * sock_unix.h - AF_UNIX addressing shared by the unix-stream and
 * unix-dgram units: a filesystem path, or "@name" for the abstract
 * namespace (which needs no clean-up and is private to a net namespace).
 */
#ifndef IPCPERF_SOCK_UNIX_H
#define IPCPERF_SOCK_UNIX_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

struct bench_cfg;

/* NULL if cfg->addr fits sun_path, else the broken rule. */
const char *unix_check_addr(const struct bench_cfg *cfg);
/* Fill sun from addr; returns the address length to pass to bind/connect. */
socklen_t unix_addr(const char *addr, struct sockaddr_un *sun);
/*
 * socket() + bind() for a server, replacing a stale socket file (one that
 * nobody listens on) but never any other file. Returns fd or -errno.
 */
int unix_bind(const char *addr, int type);
/* unix_bind() + listen(), for the connected types. Returns fd or -errno. */
int unix_listen(const char *addr, int type);
/* socket() + connect() bounded by timeout_s. Returns fd or -errno. */
int unix_connect(const char *addr, int type, int autobind, double timeout_s);
/*
 * Make room for one message of `size` on a datagram or seqpacket socket and
 * find the real limit by probing (see sock_unix.c); 0 or -EMSGSIZE.
 */
int unix_fit_size(int fd, int type, size_t size, size_t *limit);
/* Remove the socket file of a filesystem address. */
void unix_unlink(const struct bench_cfg *cfg);

#endif
