# ngx_pad_module: build, run and test.
#
#   make          build build/ngx_pad_module.so and the tools
#   make run      build, start redis-server and nginx on 127.0.0.1, show a pad
#   make stop     stop what "make run" started
#   make test     build and run the whole suite with prove
#   make fuzz     run the libFuzzer targets (FUZZ_SECONDS each)
#   make bench    run the benchmarks
#   make deb      Debian packages in build/deb/ (libnginx-mod-pad, ngx-pad-tools)
#
# Every target installs missing Debian packages first (util/deps.sh).

ROOT      := $(abspath .)
BUILD     := $(ROOT)/build
NGX_SRC   ?= /usr/share/nginx/src
NGX_BUILD := $(BUILD)/nginx
NGINX     ?= /usr/sbin/nginx

# Flags for the module build; nginx adds -W -Wall -Werror itself.
NGX_CC_OPT ?= -g -O2 -fPIC
NGX_LD_OPT ?= -fPIC

# Flags for pure C code built outside nginx (tools, unit tests).
CC        ?= cc
CFLAGS    ?= -g -O2
WFLAGS    := -std=gnu99 -W -Wall -Wextra -Wpointer-arith \
             -Wno-unused-parameter -Werror
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all

MODULE_SRCS := $(shell find src ngx_pad_module -type f | LC_ALL=C sort)
MODULE_C    := $(filter %.c,$(MODULE_SRCS))

# Parts add to these in mk/*.mk.
TOOLS      :=
UNIT_BINS  :=
FUZZ_BINS  :=

.PHONY: all deps build module tools unit test run stop fuzz bench clean FORCE

all: build

deps:
	@sh util/deps.sh

build: deps module tools

module: $(BUILD)/ngx_pad_module.so

# Re-run configure when config changes or a source file appears or goes.
$(BUILD)/.srclist: FORCE
	@mkdir -p $(BUILD)
	@echo "$(MODULE_C)" | cmp -s - $@ || echo "$(MODULE_C)" > $@

$(NGX_BUILD)/Makefile: config $(BUILD)/.srclist
	@mkdir -p $(NGX_BUILD)
	@echo "configure (log: $(NGX_BUILD)/configure.log)"
	@cd $(NGX_SRC) && bash -c '. ./conf_flags && ./configure \
	    "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc-opt="$(NGX_CC_OPT)" --with-ld-opt="$(NGX_LD_OPT)" \
	    --add-dynamic-module=$(ROOT) --builddir=$(NGX_BUILD)' \
	    > $(NGX_BUILD)/configure.log 2>&1 \
	  || { tail -20 $(NGX_BUILD)/configure.log; exit 1; }

$(BUILD)/ngx_pad_module.so: $(NGX_BUILD)/Makefile $(MODULE_SRCS)
	$(MAKE) -s -f $(NGX_BUILD)/Makefile -C $(NGX_SRC) modules
	cp $(NGX_BUILD)/ngx_pad_module.so $@.tmp && mv -f $@.tmp $@

-include mk/*.mk

tools: $(TOOLS)

unit: $(UNIT_BINS)

test: build unit
	prove -r t/

run: build
	@sh util/run.sh start

stop:
	@sh util/run.sh stop

clean:
	rm -rf $(BUILD)

FORCE:

# Soak: Redis loses its data again and again under load (soak/redis-lost.t;
# SOAK_ROUNDS, default 50).
soak-redis-lost: build
	prove -v soak/redis-lost.t
