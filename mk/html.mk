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
