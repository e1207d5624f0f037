# hpctop: hand-written Makefile. `make` builds ./hpctop; `make check` builds
# with ASan+UBSan and runs every test through prove; `make deps` installs the
# Debian packages that building, running and testing need.

VERSION   = 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
SHAREDIR  = $(PREFIX)/share/hpctop
MANDIR    = $(PREFIX)/share/man/man1
COMPDIR   = $(PREFIX)/share/bash-completion/completions
DOCDIR    = $(PREFIX)/share/doc/hpctop

CC       ?= cc
PKG_CORE  = libzmq yaml-0.1 libssh jansson libcrypto libxml-2.0
PKG_TUI   = ncursesw

# ncurses' pkg-config adds -D_XOPEN_SOURCE=600, which would narrow what
# _GNU_SOURCE gives; keep only its include flags.
CFLAGS_PKG := $(shell pkg-config --cflags $(PKG_CORE)) \
	$(filter-out -D%,$(shell pkg-config --cflags $(PKG_TUI)))
LIBS_CORE  := $(shell pkg-config --libs $(PKG_CORE)) -lm
LIBS_TUI   := $(shell pkg-config --libs $(PKG_TUI))
LIBS_TEST  := $(shell pkg-config --libs cmocka)

WARN      = -std=c11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-format-truncation
CPPFLAGS += -I. -D_GNU_SOURCE -MMD -MP \
	-DHPCTOP_VERSION='"$(VERSION)"' \
	-DHPCTOP_SRCDIR='"$(CURDIR)"'
CFLAGS   ?= -O2 -g
SANFLAGS  = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined

SRC_LIB  := $(wildcard core/*.c) $(wildcard backends/*.c)
SRC_TUI  := $(wildcard tui/*.c) $(wildcard tui/cli/*.c)
SRC_UNIT := $(wildcard tests/unit/test_*.c)
SRC_HELP := $(filter-out $(SRC_UNIT),$(wildcard tests/unit/*.c))
# Test drivers: programs the .t scripts run (tests/drivers/NAME.c).
SRC_DRV  := $(wildcard tests/drivers/*.c)

REL := build/rel
SAN := build/san

OBJ_LIB_REL := $(SRC_LIB:%.c=$(REL)/%.o)
OBJ_TUI_REL := $(SRC_TUI:%.c=$(REL)/%.o)
OBJ_LIB_SAN := $(SRC_LIB:%.c=$(SAN)/%.o)
OBJ_TUI_SAN := $(SRC_TUI:%.c=$(SAN)/%.o)
OBJ_HELP    := $(SRC_HELP:%.c=$(SAN)/%.o)
UNIT_BINS   := $(SRC_UNIT:%.c=$(SAN)/%)
DRV_BINS    := $(SRC_DRV:%.c=$(SAN)/%)
BENCH_SRC   := $(wildcard bench/*.c)
BENCH_BINS  := $(BENCH_SRC:%.c=$(REL)/%)

# Debian packages: build, run, test, package. Checked with dpkg-query;
# apt-get runs only when something is missing. debian/control's
# Build-Depends is DEPS_BUILD less gcc and make (tests/deb.t compares them).
DEPS_BUILD = gcc make pkg-config libncurses-dev libzmq3-dev libyaml-dev \
	libssh-dev libjansson-dev libssl-dev libxml2-dev
DEPS_TEST = libcmocka-dev perl \
	python3-ipyparallel python3-mpi4py python3-numpy openmpi-bin mpich \
	libopenmpi-dev libmpich-dev \
	slurm-wlm slurm-wlm-torque munge openssh-server tmux procps jq iproute2 nftables \
	clang libclang-rt-14-dev \
	python3-jupyter-server python3-nbclassic chromium curl
# dpkg-buildpackage -us -uc -b (debian/, tests/deb.t).
DEPS_PKG = debhelper dpkg-dev fakeroot
DEPS = $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_PKG)

# libFuzzer targets (tests/fuzz/fuzz_NAME.c, one per parser of outside
# input), built with clang apart from the gcc objects. `make fuzz` runs each
# for FUZZ_SECONDS (FUZZ_TARGETS: a subset); tests/fuzz.t smokes them.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ         := build/fuzz
# clang lacks gcc's -Wformat-truncation.
FUZZ_WARN     = $(filter-out -Wno-format-truncation,$(WARN))
FUZZ_SAN      = -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ)/%)
# backends/ too: profile validation asks the registry (core/backend.h);
# fuzz_ipp's fake controller is the unit tests' (no cmocka in it).
OBJ_LIB_FUZZ := $(patsubst %.c,$(FUZZ)/%.o,$(SRC_LIB) tests/fuzz/fuzzcheck.c 	tests/unit/fakehub.c)

.SECONDARY:
.PHONY: all deps print-deps-build run check test unit bench install uninstall clean fuzz \
	fuzz-build
all: hpctop

# LDFLAGS: what a package build adds (debian/rules' hardening: relro, now).
hpctop: $(OBJ_LIB_REL) $(OBJ_TUI_REL)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_TUI) $(LIBS_CORE)

$(REL)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS_PKG) $(WARN) $(CFLAGS) -c $< -o $@

$(SAN)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS_PKG) $(WARN) $(SANFLAGS) -c $< -o $@

$(SAN)/hpctop: $(OBJ_LIB_SAN) $(OBJ_TUI_SAN)
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS_TUI) $(LIBS_CORE)

$(SAN)/tests/unit/%: $(SAN)/tests/unit/%.o $(OBJ_LIB_SAN) $(OBJ_HELP)
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS_TEST) $(LIBS_CORE)

$(SAN)/tests/drivers/%: $(SAN)/tests/drivers/%.o $(OBJ_LIB_SAN)
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS_CORE)

# The dashboard's model links without curses, so a unit test can have it.
$(SAN)/tests/unit/test_model: $(SAN)/tui/model.o

$(REL)/bench/%: $(REL)/bench/%.o $(OBJ_LIB_REL)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS_CORE)

# bench/tui_*.c measure the dashboard: they link tui/ (without main).
$(REL)/bench/tui_%: $(REL)/bench/tui_%.o $(OBJ_LIB_REL) \
		$(filter-out $(REL)/tui/main.o,$(OBJ_TUI_REL))
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS_TUI) $(LIBS_CORE)

$(FUZZ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(CFLAGS_PKG) $(FUZZ_WARN) $(FUZZ_SAN) \
		-fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(FUZZ)/fuzz_%: $(FUZZ)/tests/fuzz/fuzz_%.o $(OBJ_LIB_FUZZ)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer,address,undefined -o $@ $^ \
		$(LIBS_CORE)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	tests/fuzz/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing:" $$missing; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			--no-install-recommends $$missing; \
	fi

# For tests/deb.t: the list debian/control's Build-Depends mirrors.
print-deps-build:
	@echo $(DEPS_BUILD)

run: deps hpctop
	./hpctop local

unit: $(UNIT_BINS) $(DRV_BINS)

# Every test through prove: cmocka binaries speak TAP, the rest are .t
# scripts. HPCTOP points the scripts at the sanitized binary.
check: deps
	@$(MAKE) --no-print-directory $(SAN)/hpctop hpctop $(UNIT_BINS) \
		$(DRV_BINS) $(FUZZ_BINS)
	HPCTOP=$(CURDIR)/$(SAN)/hpctop HPCTOP_SRCDIR=$(CURDIR) \
	CMOCKA_MESSAGE_OUTPUT=TAP \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	prove -f $(UNIT_BINS) tests/*.t

test: check

bench: hpctop $(BENCH_BINS)
	@for b in bench/*.sh; do [ -x "$$b" ] && "$$b" || exit 1; done

install: hpctop
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/profiles \
		$(DESTDIR)$(MANDIR)
	install -m 0755 hpctop $(DESTDIR)$(BINDIR)/hpctop
	install -m 0644 profiles/*.yaml $(DESTDIR)$(SHAREDIR)/profiles/
	install -m 0644 man/hpctop.1 $(DESTDIR)$(MANDIR)/hpctop.1
	install -d $(DESTDIR)$(COMPDIR)
	install -m 0644 completions/hpctop.bash $(DESTDIR)$(COMPDIR)/hpctop
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 profiles/README.md $(DESTDIR)$(DOCDIR)/profiles.md

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hpctop $(DESTDIR)$(MANDIR)/hpctop.1 \
		$(DESTDIR)$(COMPDIR)/hpctop
	rm -rf $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build hpctop

-include $(shell find build -name '*.d' 2>/dev/null)
