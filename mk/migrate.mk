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

# migration rate on a generated database (bench/migrate-bench.pl; PADS x
# REVS, default 1,000 x 1,000)
.PHONY: bench-migrate
bench: bench-migrate
bench-migrate: $(BUILD)/pad-migrate $(BUILD)/pad-changeset
	perl bench/migrate-bench.pl $(BENCH_MIGRATE_ARGS)
