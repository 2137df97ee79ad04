# Easysync engine (src/easysync/): the pad-changeset tool, unit tests,
# differential test oracle, libFuzzer targets and the benchmark.

ES_SRCS := $(wildcard $(ROOT)/src/easysync/*.c)
ES_HDRS := $(wildcard $(ROOT)/src/easysync/*.h)

TOOLS     += $(BUILD)/pad-changeset
UNIT_BINS += $(BUILD)/unit/easysync_test

ES_TOOL_SRCS := $(ROOT)/tools/pad-changeset.c $(ROOT)/tools/pad_changeset_req.c

$(BUILD)/pad-changeset: $(ES_TOOL_SRCS) $(ROOT)/tools/pad_changeset_req.h \
                        $(ES_SRCS) $(ES_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WFLAGS) -I$(ROOT)/src $(LDFLAGS) -o $@ \
	    $(ES_TOOL_SRCS) $(ES_SRCS) -ljansson

$(BUILD)/unit/easysync_test: $(ROOT)/t/unit/easysync_test.c $(ES_SRCS) \
                             $(ES_HDRS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(ROOT)/t/unit/easysync_test.c $(ES_SRCS) -ljansson

# libFuzzer targets (clang, ASan + UBSan); "make test" runs a short smoke
# of each (t/012-easysync-fuzz.t), "make fuzz" runs each FUZZ_SECONDS.

FUZZ_SECONDS     ?= 60
ES_FUZZ_TARGETS  := checkrep apply compose follow inverse splice pool jsonl
ES_FUZZ_BINS     := $(patsubst %,$(BUILD)/fuzz/easysync_%,$(ES_FUZZ_TARGETS))
ES_FUZZ_FLAGS    := -g -O1 -fsanitize=fuzzer,address,undefined \
                    -fno-sanitize-recover=all -fno-omit-frame-pointer

FUZZ_BINS += $(ES_FUZZ_BINS)
UNIT_BINS += $(ES_FUZZ_BINS)

$(BUILD)/fuzz/libeasysync.a: $(ES_SRCS) $(ES_HDRS)
	@mkdir -p $(BUILD)/fuzz/obj
	cd $(BUILD)/fuzz/obj && clang -g -O1 -fno-omit-frame-pointer \
	    -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-recover=all -I$(ROOT)/src -c $(ES_SRCS)
	rm -f $@ && ar rcs $@ $(BUILD)/fuzz/obj/ngx_pad_*.o

$(BUILD)/fuzz/easysync_%: $(ROOT)/fuzz/easysync_%.c \
                          $(ROOT)/fuzz/easysync_fuzz.h \
                          $(BUILD)/fuzz/libeasysync.a
	clang $(ES_FUZZ_FLAGS) -I$(ROOT)/src -I$(ROOT)/fuzz -o $@ $< \
	    $(BUILD)/fuzz/libeasysync.a -ljansson

# the --jsonl request handler of the tool
$(BUILD)/fuzz/easysync_jsonl: $(ROOT)/fuzz/easysync_jsonl.c \
                              $(ROOT)/tools/pad_changeset_req.c \
                              $(ROOT)/tools/pad_changeset_req.h \
                              $(BUILD)/fuzz/libeasysync.a
	clang $(ES_FUZZ_FLAGS) -I$(ROOT)/src -I$(ROOT)/tools -o $@ $< \
	    $(ROOT)/tools/pad_changeset_req.c $(BUILD)/fuzz/libeasysync.a \
	    -ljansson

.PHONY: fuzz-easysync
fuzz: fuzz-easysync
fuzz-easysync: $(ES_FUZZ_BINS)
	@for t in $(ES_FUZZ_TARGETS); do \
	    c=$(BUILD)/fuzz/corpus/easysync_$$t; mkdir -p $$c; \
	    s=$(ROOT)/fuzz/corpus/easysync_$$t; [ -d $$s ] || s=; \
	    echo "fuzz easysync_$$t for $(FUZZ_SECONDS)s (corpus $$c)"; \
	    $(BUILD)/fuzz/easysync_$$t -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/ \
	        $$c $$s || exit 1; \
	done

# Benchmark: C engine against Etherpad's Changeset.js (bench/easysync/).

BENCH_SECONDS ?= 1
ES_BENCH      := $(BUILD)/bench/bench-easysync

$(ES_BENCH): $(ROOT)/bench/easysync/bench.c $(ES_SRCS) $(ES_HDRS)
	@mkdir -p $(BUILD)/bench
	$(CC) -g -O2 $(WFLAGS) -I$(ROOT)/src -o $@ \
	    $(ROOT)/bench/easysync/bench.c $(ES_SRCS) -ljansson

.PHONY: bench-easysync
bench: bench-easysync
bench-easysync: $(ES_BENCH)
	@sh $(ROOT)/util/deps.d/easysync-oracle.sh
	@sh $(ROOT)/bench/easysync/run.sh $(BUILD)/bench/easysync $(ES_BENCH) \
	    $(BENCH_SECONDS)
