/*
 * mode.c - the table of workloads.
 */
#include "mode.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "cfg.h"

const struct mode_ops *const mode_table[] = {
	&throughput_mode,
	&latency_mode,
	NULL,
};

const struct mode_ops *mode_find(const char *name)
{
	for (const struct mode_ops *const *m = mode_table; *m; m++)
		if (name && !strcmp((*m)->name, name))
			return (*m)->client && (*m)->server ? *m : NULL;
	return NULL;
}

int side_fail(struct side *s, int neg_errno, const char *what)
{
	if (neg_errno == -ETIMEDOUT)
		snprintf(s->note, sizeof(s->note), "%s: peer silent for %.3g s (--timeout)",
			 what, s->cfg->timeout_s);
	else if (neg_errno == -EMSGSIZE)
		snprintf(s->note, sizeof(s->note), "%s: datagram of the wrong size (truncated or cut)",
			 what);
	else
		snprintf(s->note, sizeof(s->note), "%s: %s", what, strerror(-neg_errno));
	return EXIT_FAIL;
}
