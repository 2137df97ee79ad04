# Redis store (ngx_pad_module/store/): the Lua scripts are embedded into C by
# util/gen-lua.sh; the generated file is committed.
#
#   make lua         regenerate ngx_pad_module/store/ngx_pad_store_scripts.c
#   make check-lua   fail when it is not current (t/209 does the same)

STORE_LUA := $(sort $(wildcard ngx_pad_module/store/scripts/*.lua))

.PHONY: lua check-lua

lua: ngx_pad_module/store/ngx_pad_store_scripts.c

ngx_pad_module/store/ngx_pad_store_scripts.c: $(STORE_LUA) util/gen-lua.sh
	sh util/gen-lua.sh $@

check-lua:
	@sh util/gen-lua.sh $(BUILD)/ngx_pad_store_scripts.c.check
	@cmp -s $(BUILD)/ngx_pad_store_scripts.c.check \
	    ngx_pad_module/store/ngx_pad_store_scripts.c \
	  || { echo "ngx_pad_module/store/ngx_pad_store_scripts.c is stale:" \
	            "run util/gen-lua.sh"; exit 1; }

# append-script throughput against a private redis-server
.PHONY: bench-store
bench-store:
	perl bench/store-append.pl $(STORE_BENCH_N)

bench: bench-store
