# ipcperf - build, test, bench, plots, deps, clean.
#   make              build bench/ipcperf (SANITIZE=1: ASan+UBSan; V=1: show commands)
#   make static       bench/ipcperf-static, the program of the container image
#   make test         every test (unit, integration, harness, plots), and the
#                     test helpers (tests/bin/pingpong: make helpers)
#   make bench        the default sweep, then its plots
#   make plots RUN=results/<id>
#   make deps         install what a fresh Debian machine lacks (root)
#   make regress [BASE=<git revision>]   this tree against BASE, paired in one run

CC       ?= gcc
CFLAGS   ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -MMD -MP
override LDLIBS += -lm

ifeq ($(SANITIZE),1)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Make the first build on a fresh machine self-sufficient: install what is
# missing when root, otherwise say which apt-get line to run.
DEPS_OK := $(shell scripts/deps.sh check build >/dev/null 2>&1 && echo yes)
ifneq ($(DEPS_OK),yes)
ifneq ($(filter deps clean,$(MAKECMDGOALS)),$(MAKECMDGOALS))
$(shell scripts/deps.sh ensure build >&2)
endif
endif

# liburing is optional: without it, bench/io_uring_none.c stands in and
# --io uring reports unsupported.
URING_LIBS := $(if $(wildcard bench/io_uring.c),$(shell pkg-config --libs liburing 2>/dev/null))
ifneq ($(URING_LIBS),)
override CFLAGS += -DHAVE_LIBURING $(shell pkg-config --cflags liburing)
override LDLIBS += $(URING_LIBS)
endif

BENCH_SRCS := $(wildcard bench/*.c)
ifeq ($(URING_LIBS),)
BENCH_SRCS := $(filter-out bench/io_uring.c,$(BENCH_SRCS))
else
BENCH_SRCS := $(filter-out bench/io_uring_none.c,$(BENCH_SRCS))
endif
BENCH_OBJS := $(BENCH_SRCS:.c=.o)
LIB_OBJS   := $(filter-out bench/main.o,$(BENCH_OBJS))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=tests/bin/%)
# Test helpers stand alone: they share no code with bench/ (an independent
# reference is the point of them).
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=tests/bin/%)

.PHONY: all static test unit helpers bench plots deps regress clean
all: bench/ipcperf

bench/ipcperf: $(BENCH_OBJS)
	@echo "  LD   $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The same objects linked statically (libc.a, liburing.a): the container
# transports `docker import` it as an image of one file, which needs no libc.
static: bench/ipcperf-static

bench/ipcperf-static: $(BENCH_OBJS)
	@echo "  LD   $@"
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $^ $(LDLIBS)

%.o: %.c
	@echo "  CC   $@"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

tests/bin/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p tests/bin
	@echo "  LD   $@"
	$(Q)$(CC) $(CFLAGS) -Ibench $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests/bin/%: tests/helpers/%.c
	@mkdir -p tests/bin
	@echo "  LD   $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

unit: $(UNIT_BINS)

helpers: $(HELPER_BINS)

test: bench/ipcperf bench/ipcperf-static $(UNIT_BINS) $(HELPER_BINS)
	@scripts/deps.sh ensure test
	python3 tests/run.py

# The six core transports keep the default sweep within a few minutes on a
# small machine; `make bench BENCH_ARGS=` (or ./run.sh) measures all of them.
# BENCH_PRECISION: after 5 reps a point, more reps to the points whose 95%
# interval of the median is wider than +-5%, within 300 s of measuring (90
# points: 6 minutes in all on a 2-core VM); raise the budget for more points.
BENCH_ARGS ?= --transport uds,uds-dgram,lo,hostip,veth,bridge
BENCH_PRECISION ?= --precision 5 --budget 300

bench: bench/ipcperf
	@scripts/deps.sh ensure bench
	./run.sh $(BENCH_ARGS) $(BENCH_PRECISION)

plots:
	@test -n "$(RUN)" || { echo "usage: make plots RUN=results/<id>" >&2; exit 2; }
	python3 plots/draw.py "$(RUN)"

deps:
	scripts/deps.sh install all

# make regress [BASE=<git revision>] [THRESHOLD=PCT] [REGRESS_OUT=DIR]: the
# paired regression check. One run measures this tree's bench/ipcperf (arm A)
# and BASE's, built from git (arm B, --ab rev:BASE), rep by rep in ABBA order,
# so that the machine's drift falls on both alike; then scripts/compare
# judges A against B (--base-arm B: the ratio is this tree over BASE, and
# "regressed" means this tree is worse). BASE defaults to HEAD: the change not
# yet committed. The sweep: uds and lo, both modes, 100 B and 64 KiB, 8
# points, 20 pairs each. Why 20: the signed-rank test over n pairs can reach
# at best p = 2/2^n (two-sided), and Holm over 8 points first asks for
# p < 0.05/8 = 0.00625, so 9 pairs is the least that can ever pass. But on a
# noisy VM a few pairs of a real change go the other way: a -15% change of
# uds 64 KiB throughput (net.core.wmem_default 212992 -> 196608) was found
# in 7 of 10 paired runs of 12 pairs; resampling those 120 pairs gives 73%
# power at 12 pairs, 91% at 16, 96% at 20. About 2 min, and building BASE.
REGRESS_SWEEP := --transport uds,lo --size 100,64K --reps 20 --no-plots
BASE ?= HEAD
THRESHOLD ?= 10
regress: bench/ipcperf
	@test -z "$(BASELINE)" || { echo "make regress: BASELINE= is no more: the base is measured beside the change (BASE=<git revision>, default HEAD); scripts/compare BASE_RUN NEW_RUN compares saved runs" >&2; exit 2; }
	@out="$(or $(REGRESS_OUT),results/regress-$$(date -u +%Y%m%dT%H%M%SZ))"; \
	./run.sh $(REGRESS_SWEEP) --ab "rev:$(BASE)" --out "$$out" && \
	scripts/compare --base-arm B --threshold "$(THRESHOLD)" "$$out"

clean:
	rm -rf bench/ipcperf bench/ipcperf-static bench/*.o bench/*.d tests/bin

-include $(BENCH_OBJS:.o=.d)
