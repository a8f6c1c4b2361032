/*
 * test_parse.c - the checked number parsers: units, bounds, junk.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "cfg.h"
#include "unit.h"

static const struct { const char *in; int ret; uint64_t want; } sizes[] = {
	{ "1", 0, 1 },
	{ "100", 0, 100 },
	{ "100B", 0, 100 },
	{ "1K", 0, 1024 },
	{ "1k", 0, 1024 },
	{ "64KiB", 0, 65536 },
	{ "64kb", 0, 65536 },
	{ "1M", 0, 1048576 },
	{ "4MiB", 0, 4194304 },
	{ "1G", 0, 1073741824 },
	{ "1024M", 0, 1073741824 },
	{ "1073741824", 0, 1073741824 },
	{ "1073741825", -ERANGE, 0 },
	{ "2G", -ERANGE, 0 },
	{ "1025M", -ERANGE, 0 },
	{ "99999999999999999999999", -ERANGE, 0 },
	{ "0", -EINVAL, 0 },
	{ "0K", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "1Q", -EINVAL, 0 },
	{ "10e", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "1.5K", -EINVAL, 0 },
	{ "K", -EINVAL, 0 },
	{ "1KK", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
};

static const struct { const char *in; int ret; double want; } seconds[] = {
	{ "2", 0, 2.0 },
	{ "0.25", 0, 0.25 },
	{ ".5", 0, 0.5 },
	{ "0", 0, 0.0 },
	{ "", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "1s", -EINVAL, 0 },
	{ "abc", -EINVAL, 0 },
	{ "nan", -EINVAL, 0 },
	{ "1e9", -ERANGE, 0 },
};

int main(void)
{
	uint64_t u = 0;
	double d = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int ret = parse_size(sizes[i].in, &u);

		CHECK(ret == sizes[i].ret && (ret || u == sizes[i].want),
		      "parse_size(\"%s\") = %d (%llu), want %d (%llu)", sizes[i].in, ret,
		      ret ? 0ULL : (unsigned long long)u, sizes[i].ret,
		      (unsigned long long)sizes[i].want);
	}
	for (size_t i = 0; i < sizeof(seconds) / sizeof(seconds[0]); i++) {
		int ret = parse_seconds(seconds[i].in, &d);

		CHECK(ret == seconds[i].ret && (ret || d == seconds[i].want),
		      "parse_seconds(\"%s\") = %d, want %d", seconds[i].in, ret, seconds[i].ret);
	}
	CHECK(parse_u64("18446744073709551615", &u) == 0 && u == UINT64_MAX, "parse_u64 max");
	CHECK(parse_u64("18446744073709551616", &u) == -ERANGE, "parse_u64 overflow");
	CHECK(parse_u64("12a", &u) == -EINVAL, "parse_u64 trailing junk");
	CHECK(parse_u64(NULL, &u) == -EINVAL, "parse_u64 NULL");
	return unit_done();
}
