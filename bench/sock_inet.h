/*
 * sock_inet.h - IPv4/IPv6 addressing shared by the tcp and udp units:
 * --addr is an IP literal (never a name: no resolver traffic), --port a
 * number; a server on port 0 reports the port the kernel chose.
 */
#ifndef IPCPERF_SOCK_INET_H
#define IPCPERF_SOCK_INET_H

#include <sys/socket.h>

struct bench_cfg;

const char *inet_check_addr(const struct bench_cfg *cfg);
/* socket() + bind(); listen() too for SOCK_STREAM. Returns fd or -errno. */
int inet_bind(const struct bench_cfg *cfg, int type, int *port_out);
/* socket() + connect() bounded by cfg->timeout_s. Returns fd or -errno. */
int inet_connect(const struct bench_cfg *cfg, int type);

#endif
