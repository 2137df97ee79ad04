# A pad's HTML and text (src/html/, Etherpad's ExportHtml, ExportTxt and
# setHTML's import): a unit test (t/unit/html_test.c, run by
# t/330-html-unit.t) and a libFuzzer target of the import (fuzz/html_import.c;
# t/330 runs it a few seconds, "make fuzz-html" FUZZ_SECONDS).

HTML_SRCS := $(wildcard $(ROOT)/src/html/*.c)
HTML_HDRS := $(wildcard $(ROOT)/src/html/*.h)

HTML_UNIT_SRCS := $(ROOT)/t/unit/html_test.c $(HTML_SRCS) $(ES_SRCS)
HTML_UNIT_DEPS := $(HTML_UNIT_SRCS) $(ROOT)/t/unit/tap.h $(HTML_HDRS) \
                  $(ES_HDRS)

UNIT_BINS += $(BUILD)/unit/html_test

$(BUILD)/unit/html_test: $(HTML_UNIT_DEPS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(HTML_UNIT_SRCS) -ljansson

HTML_FUZZ := $(BUILD)/fuzz/html_import

FUZZ_BINS += $(HTML_FUZZ)
UNIT_BINS += $(HTML_FUZZ)

$(HTML_FUZZ): $(ROOT)/fuzz/html_import.c $(HTML_SRCS) $(HTML_HDRS) \
              $(BUILD)/fuzz/libeasysync.a
	@mkdir -p $(BUILD)/fuzz
	clang $(ES_FUZZ_FLAGS) -I$(ROOT)/src -o $@ $(ROOT)/fuzz/html_import.c \
	    $(HTML_SRCS) $(BUILD)/fuzz/libeasysync.a -ljansson

.PHONY: fuzz-html
fuzz: fuzz-html
fuzz-html: $(HTML_FUZZ)
	@c=$(BUILD)/fuzz/corpus/html_import; mkdir -p $$c; \
	echo "fuzz html_import for $(FUZZ_SECONDS)s (corpus $$c)"; \
	$(HTML_FUZZ) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -max_len=4096 -artifact_prefix=$(BUILD)/fuzz/ $$c \
	    $(ROOT)/fuzz/corpus/html_import

# createDiffHTML (src/html/ngx_pad_html_diff.c): a unit test on vectors made
# by Etherpad's padDiff.js (t/unit/html_diff_test.c, t/331-html-diff-unit.t)
# and a libFuzzer target on random revisions (fuzz/html_diff.c).

HTML_DIFF_UNIT_SRCS := $(ROOT)/t/unit/html_diff_test.c $(HTML_SRCS) $(ES_SRCS)

UNIT_BINS += $(BUILD)/unit/html_diff_test

$(BUILD)/unit/html_diff_test: $(HTML_DIFF_UNIT_SRCS) $(ROOT)/t/unit/tap.h \
                              $(HTML_HDRS) $(ES_HDRS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(HTML_DIFF_UNIT_SRCS) -ljansson

HTML_DIFF_FUZZ := $(BUILD)/fuzz/html_diff

FUZZ_BINS += $(HTML_DIFF_FUZZ)
UNIT_BINS += $(HTML_DIFF_FUZZ)

$(HTML_DIFF_FUZZ): $(ROOT)/fuzz/html_diff.c $(HTML_SRCS) $(HTML_HDRS) \
                   $(BUILD)/fuzz/libeasysync.a
	@mkdir -p $(BUILD)/fuzz
	clang $(ES_FUZZ_FLAGS) -I$(ROOT)/src -o $@ $(ROOT)/fuzz/html_diff.c \
	    $(HTML_SRCS) $(BUILD)/fuzz/libeasysync.a -ljansson

.PHONY: fuzz-html-diff
fuzz: fuzz-html-diff
fuzz-html-diff: $(HTML_DIFF_FUZZ)
	@c=$(BUILD)/fuzz/corpus/html_diff; mkdir -p $$c; \
	echo "fuzz html_diff for $(FUZZ_SECONDS)s (corpus $$c)"; \
	$(HTML_DIFF_FUZZ) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -max_len=4096 -artifact_prefix=$(BUILD)/fuzz/ $$c
