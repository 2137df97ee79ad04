# pad-migrate (tools/migrate/): Etherpad's database into the module's
# Redis (docs/operators/migration.md); tests t/900-919.

PM_SRCS := $(wildcard $(ROOT)/tools/migrate/*.c)
PM_HDRS := $(wildcard $(ROOT)/tools/migrate/*.h)

TOOLS += $(BUILD)/pad-migrate

$(BUILD)/pad-migrate: $(PM_SRCS) $(PM_HDRS) $(ES_SRCS) $(ES_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WFLAGS) -I$(ROOT)/src \
	    -I/usr/include/postgresql -I/usr/include/mariadb $(LDFLAGS) -o $@ \
	    $(PM_SRCS) $(ES_SRCS) -ljansson -lhiredis -lpq -lmariadb

.PHONY: pad-migrate
pad-migrate: $(BUILD)/pad-migrate
