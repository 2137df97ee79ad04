# A commit's preparation (src/commit/, Etherpad's handleUserChanges):
# a unit test of each stage (t/unit/commit_test.c, run by
# t/324-pad-commit-unit.t).

COMMIT_UNIT_SRCS := $(ROOT)/t/unit/commit_test.c \
                    $(wildcard $(ROOT)/src/commit/*.c) \
                    $(wildcard $(ROOT)/src/msg/*.c) \
                    $(wildcard $(ROOT)/src/easysync/*.c)
COMMIT_UNIT_DEPS := $(COMMIT_UNIT_SRCS) $(ROOT)/t/unit/tap.h \
                    $(wildcard $(ROOT)/src/commit/*.h) \
                    $(wildcard $(ROOT)/src/msg/*.h) \
                    $(wildcard $(ROOT)/src/easysync/*.h)

UNIT_BINS += $(BUILD)/unit/commit_test

$(BUILD)/unit/commit_test: $(COMMIT_UNIT_DEPS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WFLAGS) $(SAN_FLAGS) -I$(ROOT)/src -o $@ \
	    $(COMMIT_UNIT_SRCS) -ljansson
