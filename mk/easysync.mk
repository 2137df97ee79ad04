# Easysync engine (src/easysync/): the pad-changeset tool, unit tests,
# differential test oracle, libFuzzer targets and the benchmark.

ES_SRCS := $(wildcard $(ROOT)/src/easysync/*.c)
ES_HDRS := $(wildcard $(ROOT)/src/easysync/*.h)

TOOLS     += $(BUILD)/pad-changeset
UNIT_BINS += $(BUILD)/unit/easysync_test

$(BUILD)/pad-changeset: $(ROOT)/tools/pad-changeset.c $(ES_SRCS) $(ES_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(WFLAGS) -I$(ROOT)/src -o $@ \
	    $(ROOT)/tools/pad-changeset.c $(ES_SRCS) -ljansson

$(BUILD)/unit/easysync_test: $(ROOT)/t/unit/easysync_test.c $(ES_SRCS) \
                             $(ES_HDRS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(ROOT)/t/unit/easysync_test.c $(ES_SRCS) -ljansson
