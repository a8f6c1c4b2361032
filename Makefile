# ipcperf - build, test, bench, plots, deps, clean.
#   make              build bench/ipcperf (SANITIZE=1: ASan+UBSan; V=1: show commands)
#   make static       bench/ipcperf-static, the program of the container image
#   make test         every test (unit, integration, harness, plots), and the
#                     test helpers (tests/bin/pingpong: make helpers)
#   make bench        the default sweep, then its plots
#   make plots RUN=results/<id>
#   make deps         install what a fresh Debian machine lacks (root)
#   make regress BASELINE=results/baselines/<name>   regression sweep, then scripts/compare

CC       ?= gcc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -MMD -MP
LDLIBS   += -lm

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
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
CFLAGS += -DHAVE_LIBURING $(shell pkg-config --cflags liburing)
LDLIBS += $(URING_LIBS)
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
BENCH_ARGS ?= --transport uds,uds-dgram,lo,hostip,veth,bridge

bench: bench/ipcperf
	@scripts/deps.sh ensure bench
	./run.sh $(BENCH_ARGS)

plots:
	@test -n "$(RUN)" || { echo "usage: make plots RUN=results/<id>" >&2; exit 2; }
	python3 plots/draw.py "$(RUN)"

deps:
	scripts/deps.sh install all

# make regress BASELINE=<run dir> [THRESHOLD=PCT] [REGRESS_OUT=DIR]: the
# regression sweep (uds and lo, both modes, 100 B and 64 KiB, 5 reps of 0.3 s;
# about 20 s) into REGRESS_OUT (default results/regress-<UTC time>), then
# scripts/compare against BASELINE. 5 reps because with fewer the rank test
# cannot reach p < 0.05 (2 reps a side: p >= 1/3).
REGRESS_SWEEP := --transport uds,lo --size 100,64K --reps 5 --duration 0.3 --warmup 0.1 --no-plots
THRESHOLD ?= 10
regress: bench/ipcperf
	@test -n "$(BASELINE)" || { echo "usage: make regress BASELINE=<run dir> [THRESHOLD=PCT] [REGRESS_OUT=DIR]" >&2; exit 2; }
	@test -f "$(BASELINE)/summary.csv" || { echo "make regress: no summary.csv in $(BASELINE) (give a run directory, e.g. results/baselines/debian12-2cpu-vm)" >&2; exit 2; }
	@out="$(or $(REGRESS_OUT),results/regress-$$(date -u +%Y%m%dT%H%M%SZ))"; \
	./run.sh $(REGRESS_SWEEP) --out "$$out" && \
	scripts/compare --threshold "$(THRESHOLD)" "$(BASELINE)" "$$out"

clean:
	rm -rf bench/ipcperf bench/ipcperf-static bench/*.o bench/*.d tests/bin

-include $(BENCH_OBJS:.o=.d)
