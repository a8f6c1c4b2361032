/*
 * sock_unix.h - AF_UNIX addressing shared by the unix-stream and
 * unix-dgram units: a filesystem path, or "@name" for the abstract
 * namespace (which needs no clean-up and is private to a net namespace).
 */
#ifndef IPCPERF_SOCK_UNIX_H
#define IPCPERF_SOCK_UNIX_H

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
/* socket() + connect() bounded by timeout_s. Returns fd or -errno. */
int unix_connect(const char *addr, int type, int autobind, double timeout_s);
/* Remove the socket file of a filesystem address. */
void unix_unlink(const struct bench_cfg *cfg);

#endif
