# Transport: unit tests of its pure parts in src/codec/ (frame codec,
# UTF-8, Engine.IO/Socket.IO codec, WebSocket handshake checks, relay
# messages, form fields, cookies) and their libFuzzer targets.

TR_PURE := $(ROOT)/src/codec/ngx_pad_ws_frame.c \
           $(ROOT)/src/codec/ngx_pad_utf8.c \
           $(ROOT)/src/codec/ngx_pad_eio_codec.c \
           $(ROOT)/src/codec/ngx_pad_ws_handshake.c \
           $(ROOT)/src/codec/ngx_pad_relay_codec.c \
           $(ROOT)/src/codec/ngx_pad_form.c \
           $(ROOT)/src/codec/ngx_pad_cookie.c
TR_HDRS := $(ROOT)/src/codec/ngx_pad_ws_frame.h \
           $(ROOT)/src/codec/ngx_pad_utf8.h \
           $(ROOT)/src/codec/ngx_pad_eio_codec.h \
           $(ROOT)/src/codec/ngx_pad_ws_handshake.h \
           $(ROOT)/src/codec/ngx_pad_relay_codec.h \
           $(ROOT)/src/codec/ngx_pad_form.h \
           $(ROOT)/src/codec/ngx_pad_cookie.h

UNIT_BINS += $(BUILD)/unit/transport_test

$(BUILD)/unit/transport_test: $(ROOT)/t/unit/transport_test.c $(TR_PURE) \
                              $(TR_HDRS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(ROOT)/t/unit/transport_test.c $(TR_PURE)

# libFuzzer targets (clang, ASan + UBSan); "make test" runs a short smoke
# of each (t/005-transport-fuzz.t), "make fuzz-transport" runs each
# FUZZ_SECONDS.

TR_FUZZ_TARGETS := ws_frame eio form
TR_FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/transport_%,$(TR_FUZZ_TARGETS))
TR_FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined \
                   -fno-sanitize-recover=all -fno-omit-frame-pointer

FUZZ_BINS += $(TR_FUZZ_BINS)
UNIT_BINS += $(TR_FUZZ_BINS)

$(BUILD)/fuzz/transport_%: $(ROOT)/fuzz/transport_%.c $(TR_PURE) $(TR_HDRS)
	@mkdir -p $(BUILD)/fuzz
	clang $(TR_FUZZ_FLAGS) -I$(ROOT)/src -o $@ $< $(TR_PURE) -ljansson

.PHONY: fuzz-transport bench-transport
fuzz: fuzz-transport
fuzz-transport: $(TR_FUZZ_BINS)
	@mkdir -p $(BUILD)/fuzz/corpus-transport
	@for t in $(TR_FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus-transport/$$t; \
	    echo "fuzz transport_$$t for $(FUZZ_SECONDS)s"; \
	    $(BUILD)/fuzz/transport_$$t -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 $(BUILD)/fuzz/corpus-transport/$$t \
	        || exit 1; \
	done

# idle WebSocket sessions: worker RSS per session and handshake rate
# (BENCH_SESSIONS, default 10000)
bench: bench-transport
bench-transport: build
	@sh $(ROOT)/bench/idle/run.sh
