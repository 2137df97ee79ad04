# Access to pads (src/access/, Etherpad's checkAccess): a unit test of
# the decision (t/unit/access_test.c, run by t/400-access-unit.t).

ACCESS_UNIT_SRCS := $(ROOT)/t/unit/access_test.c \
                    $(wildcard $(ROOT)/src/access/*.c)
ACCESS_UNIT_DEPS := $(ACCESS_UNIT_SRCS) $(ROOT)/t/unit/tap.h \
                    $(wildcard $(ROOT)/src/access/*.h) \
                    $(ROOT)/src/easysync/ngx_pad_cs.h

UNIT_BINS += $(BUILD)/unit/access_test

$(BUILD)/unit/access_test: $(ACCESS_UNIT_DEPS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(ACCESS_UNIT_SRCS)
