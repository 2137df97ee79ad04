# Pad engine (src/pad/): unit tests of its pure parts.

PAD_UNIT_SRCS := $(ROOT)/t/unit/pad_msg_test.c $(ROOT)/src/pad/ngx_pad_msg.c \
                 $(wildcard $(ROOT)/src/easysync/*.c)
PAD_UNIT_DEPS := $(PAD_UNIT_SRCS) $(wildcard $(ROOT)/src/pad/*.h) \
                 $(wildcard $(ROOT)/src/easysync/*.h)

UNIT_BINS += $(BUILD)/unit/pad_msg_test

$(BUILD)/unit/pad_msg_test: $(PAD_UNIT_DEPS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(PAD_UNIT_SRCS) -ljansson
