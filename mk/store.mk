# Redis store (src/store/): the Lua scripts are embedded into C by
# util/gen-lua.sh; the generated file is committed.
#
#   make lua         regenerate src/store/ngx_pad_store_scripts.c
#   make check-lua   fail when it is not current (t/209 does the same)

STORE_LUA := $(sort $(wildcard src/store/scripts/*.lua))

.PHONY: lua check-lua

lua: src/store/ngx_pad_store_scripts.c

src/store/ngx_pad_store_scripts.c: $(STORE_LUA) util/gen-lua.sh
	sh util/gen-lua.sh $@

check-lua:
	@sh util/gen-lua.sh $(BUILD)/ngx_pad_store_scripts.c.check
	@cmp -s $(BUILD)/ngx_pad_store_scripts.c.check \
	    src/store/ngx_pad_store_scripts.c \
	  || { echo "src/store/ngx_pad_store_scripts.c is stale:" \
	            "run util/gen-lua.sh"; exit 1; }

# append-script throughput against a private redis-server
.PHONY: bench-store
bench-store:
	perl bench/store-append.pl $(STORE_BENCH_N)

bench: bench-store
