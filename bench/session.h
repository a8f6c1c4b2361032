/*
 * session.h - one role's whole life: the client runs one test and prints
 * its record; the server serves tests until killed (or once).
 * Both return an exit code (cfg.h).
 */
#ifndef IPCPERF_SESSION_H
#define IPCPERF_SESSION_H

struct bench_cfg;

int session_client(const struct bench_cfg *cfg);
int session_server(const struct bench_cfg *cfg);

#endif
