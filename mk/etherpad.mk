# Etherpad's .etherpad file (src/etherpad/, ExportEtherpad's records): a
# unit test of the writer (t/unit/etherpad_test.c, run by t/240).

EP_SRCS := $(wildcard $(ROOT)/src/etherpad/*.c)
EP_HDRS := $(wildcard $(ROOT)/src/etherpad/*.h)

EP_UNIT_SRCS := $(ROOT)/t/unit/etherpad_test.c $(EP_SRCS)
EP_UNIT_DEPS := $(EP_UNIT_SRCS) $(ROOT)/t/unit/tap.h $(EP_HDRS) \
                $(ROOT)/src/easysync/ngx_pad_cs.h

UNIT_BINS += $(BUILD)/unit/etherpad_test

$(BUILD)/unit/etherpad_test: $(EP_UNIT_DEPS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(EP_UNIT_SRCS) -ljansson

# The .etherpad export of a 100,000-revision pad (bench/export-etherpad.pl)
.PHONY: bench-export
bench-export: module
	perl $(ROOT)/bench/export-etherpad.pl $(BENCH_EXPORT_ARGS)
