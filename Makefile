# nockit top-level Makefile.
#   make            build every tool into $(B)/ (default build/)
#   make check      install Debian deps, build with ASan+UBSan, run all tests
#   make fuzz       build libFuzzer targets with clang and run each FUZZ_SECONDS
#   make bench      run the benchmarks side by side with the peer tools
#   make demo       show every tool doing its main job on local data / labs
#   make install    PREFIX=/usr/local DESTDIR=
# Sources are found by wildcard: lib/*.c is libnockit.a, <tool>/*.c the tool
# (main.c linked last over lib<tool>.a), tests/unit/test_*.c the unit tests,
# fuzz/fuzz_*.c the fuzz targets.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
CC         ?= cc
AR         ?= ar
SAN        ?= 0
FUZZ_SECONDS ?= 60

ifeq ($(SAN),1)
B          ?= build-san
OPTFLAGS   := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
SANLDFLAGS := -fsanitize=address,undefined
else
B          ?= build
OPTFLAGS   := -O2 -g -D_FORTIFY_SOURCE=3
SANLDFLAGS :=
endif

WARNFLAGS := -Wall -Wextra -Werror -Wshadow -Wconversion -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wvla \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef \
	-Wimplicit-fallthrough -fno-common -fstack-protector-strong

PKGS      := json-c ncursesw libpcap libcurl libcap-ng cairo
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
NET_LIBS   := $(shell libnet-config --libs 2>/dev/null || echo -lnet)
EXT_LIBS   := $(PKG_LIBS) $(NET_LIBS) -lresolv -lz -lbz2 -lm

CPPFLAGS  += -D_DEFAULT_SOURCE -D_GNU_SOURCE -DNK_VERSION='"$(VERSION)"' -Ilib
CFLAGS    ?=
ALL_CFLAGS := -std=c11 $(OPTFLAGS) $(WARNFLAGS) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS   += -Wl,-z,relro,-z,now -Wl,--as-needed $(SANLDFLAGS)

# Quiet by default; V=1 shows the commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

TOOL_DIRS := multiping stormwatch mailprobe bgpwatch
TOOLS     := $(foreach t,$(TOOL_DIRS),$(if $(wildcard $(t)/main.c),$(t)))

LIB_SRC   := $(wildcard lib/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
LIBNK     := $(B)/lib/libnockit.a

# Each tool: lib<tool>.a from every .c but main.c, so tests and fuzzers can
# link the tool's modules too.
define tool_rules
$(1)_SRC := $$(filter-out $(1)/main.c,$$(wildcard $(1)/*.c))
$(1)_OBJ := $$($(1)_SRC:%.c=$(B)/%.o)
$(B)/$(1)/lib$(1).a: $$($(1)_OBJ)
	@mkdir -p $$(@D)
	$(Q)rm -f $$@ && $(AR) rcs $$@ $$^
$(B)/$(1)/$(1): $(B)/$(1)/main.o $(B)/$(1)/lib$(1).a $(LIBNK)
	@$(if $(Q),echo "  LD      $$@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $$@ $$^ $(EXT_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rules,$(t))))

TOOL_ARCHIVES := $(foreach t,$(TOOLS),$(B)/$(t)/lib$(t).a)
TOOL_BINS     := $(foreach t,$(TOOLS),$(B)/$(t)/$(t))

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:%.c=$(B)/%)
FUZZ_SRC  := $(wildcard fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/replay_%)
FUZZ_BINS := $(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/%)

# Keep objects that pattern chains would delete as intermediates.
.SECONDARY:

.PHONY: all tools tests check fuzz fuzzers bench demo install clean deps \
	format lint
.DEFAULT_GOAL := all

all: tools tests

tools: $(TOOL_BINS)

tests: $(UNIT_BINS) $(FUZZ_REPLAY)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBNK): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Tool archives come before libnockit.a: they use it, not the other way.
$(B)/tests/unit/test_%: $(B)/tests/unit/test_%.o $(TOOL_ARCHIVES) $(LIBNK)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(EXT_LIBS) -lcmocka

# Fuzz targets replayed over their corpus by a plain main() (make check).
# Most parsers live in lib/; mailprobe's reply readers are in its archive.
$(B)/fuzz/replay_%: $(B)/fuzz/%.o $(B)/fuzz/replay_main.o $(TOOL_ARCHIVES) $(LIBNK)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(EXT_LIBS)

$(B)/fuzz/replay_main.o: fuzz/replay_main.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# libFuzzer build: everything compiled again by clang in build-fuzz/.
FUZZ_OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
fuzzers: $(FUZZ_BINS)
$(B)/fuzz/fuzz_%: $(B)/fuzz/fuzz_%.o $(TOOL_ARCHIVES) $(LIBNK)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(EXT_LIBS)

fuzz:
	$(MAKE) B=build-fuzz CC=clang OPTFLAGS="$(FUZZ_OPT)" SANLDFLAGS= fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-fuzz.sh build-fuzz

deps:
	scripts/install-deps.sh

# The tests run on the sanitizer build; the tools are also built by clang
# (warnings are errors there too: CI builds with both compilers).
check: deps
	$(MAKE) -j2 SAN=1 all
	$(MAKE) -j2 B=build-clang CC=clang tools
	B=build-san tests/run.sh

bench: deps all
	B=$(B) bench/run.sh

demo: deps all
	B=$(B) demo/run.sh

install: tools
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	for t in $(TOOLS); do \
		install -m 0755 $(B)/$$t/$$t $(DESTDIR)$(BINDIR)/$$t; \
		if [ -f man/$$t.1 ]; then install -m 0644 man/$$t.1 $(DESTDIR)$(MANDIR)/man1/; fi; \
	done

format:
	clang-format -i lib/*.[ch] $(foreach t,$(TOOLS),$(t)/*.[ch]) tests/unit/*.c fuzz/*.c

lint:
	clang-tidy $(LIB_SRC) -- $(CPPFLAGS) -std=c11 $(PKG_CFLAGS)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
