# Pad engine benchmark (bench/padload.c, bench/pad-bench.pl): its own
# redis-server and nginx on free 127.0.0.1 ports, scenarios s1-s5 with 1
# and 2 workers, pad_new_changes_batch off and on.
#
#   make bench-pad        quick profile (about 100 s)
#   make bench-full       long profile (10 s windows, the author sweep up
#                         to 8,000, 20,000 idle sessions in every set-up)
#
# Both write bench/results/latest.json and bench/results/latest.md.

PADLOAD_SRCS := $(ROOT)/bench/padload.c \
                $(ROOT)/src/codec/ngx_pad_ws_frame.c \
                $(ROOT)/src/codec/ngx_pad_utf8.c \
                $(ROOT)/src/codec/ngx_pad_eio_codec.c \
                $(wildcard $(ROOT)/src/easysync/*.c)

TOOLS += $(BUILD)/padload $(BUILD)/tcpfloor

$(BUILD)/tcpfloor: $(ROOT)/bench/tcpfloor.c
	@mkdir -p $(BUILD)
	$(CC) -g -O2 $(WFLAGS) -o $@ $<

$(BUILD)/padload: $(PADLOAD_SRCS) $(wildcard $(ROOT)/src/easysync/*.h) \
                  $(wildcard $(ROOT)/src/codec/ngx_pad_*.h)
	@mkdir -p $(BUILD)
	$(CC) -g -O2 $(WFLAGS) -I$(ROOT)/src -o $@ $(PADLOAD_SRCS) -ljansson

# make padload: build/padload alone
.PHONY: padload
padload: $(BUILD)/padload

.PHONY: bench-pad bench-full
bench: bench-pad
bench-pad: module $(BUILD)/padload $(BUILD)/tcpfloor
	perl $(ROOT)/bench/pad-bench.pl --profile quick $(BENCH_PAD_ARGS)

bench-full: module $(BUILD)/padload $(BUILD)/tcpfloor
	perl $(ROOT)/bench/pad-bench.pl --profile full $(BENCH_PAD_ARGS)

# The HTTP API with ApacheBench (bench/api-bench.pl): getText and, when
# built, appendText requests per second.
.PHONY: bench-api
bench-api: module
	perl $(ROOT)/bench/api-bench.pl $(BENCH_API_ARGS)
