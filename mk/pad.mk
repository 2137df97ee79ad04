# Pad engine: unit tests of its pure parts (src/msg/, Etherpad messages).

MSG_SRCS := $(wildcard $(ROOT)/src/msg/*.c)
MSG_HDRS := $(wildcard $(ROOT)/src/msg/*.h)

PAD_UNIT_SRCS := $(ROOT)/t/unit/pad_msg_test.c $(MSG_SRCS) \
                 $(wildcard $(ROOT)/src/easysync/*.c)
PAD_UNIT_DEPS := $(PAD_UNIT_SRCS) $(MSG_HDRS) \
                 $(wildcard $(ROOT)/src/easysync/*.h)

UNIT_BINS += $(BUILD)/unit/pad_msg_test

$(BUILD)/unit/pad_msg_test: $(PAD_UNIT_DEPS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(PAD_UNIT_SRCS) -ljansson

# libFuzzer target of the message parser/builders (make fuzz-pad)
PAD_FUZZ_BIN := $(BUILD)/fuzz/pad_msg

$(PAD_FUZZ_BIN): $(ROOT)/fuzz/pad_msg.c $(MSG_SRCS) $(MSG_HDRS) \
                 $(wildcard $(ROOT)/src/easysync/*.[ch])
	@mkdir -p $(BUILD)/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -I$(ROOT)/src -o $@ \
	    $(ROOT)/fuzz/pad_msg.c $(MSG_SRCS) \
	    $(wildcard $(ROOT)/src/easysync/*.c) -ljansson

FUZZ_BINS += $(PAD_FUZZ_BIN)
UNIT_BINS += $(PAD_FUZZ_BIN)

.PHONY: fuzz-pad
fuzz: fuzz-pad
fuzz-pad: $(PAD_FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz/corpus/pad_msg
	$(PAD_FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(BUILD)/fuzz/ $(BUILD)/fuzz/corpus/pad_msg \
	    $(ROOT)/fuzz/corpus/pad_msg
