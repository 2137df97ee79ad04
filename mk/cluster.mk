# Redis Cluster's pure facts (src/cluster/: slots, hash tags, the slot
# map, MOVED/ASK): a unit test (t/unit/cluster_test.c, run by
# t/810-cluster-unit.t, which also compares its slots with a real
# cluster-enabled redis-server's CLUSTER KEYSLOT).

CLUSTER_UNIT_SRCS := $(ROOT)/t/unit/cluster_test.c \
                     $(wildcard $(ROOT)/src/cluster/*.c)
CLUSTER_UNIT_DEPS := $(CLUSTER_UNIT_SRCS) $(ROOT)/t/unit/tap.h \
                     $(wildcard $(ROOT)/src/cluster/*.h)

UNIT_BINS += $(BUILD)/unit/cluster_test

$(BUILD)/unit/cluster_test: $(CLUSTER_UNIT_DEPS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(CLUSTER_UNIT_SRCS) -lhiredis
