
/*
 * ngx_pad_module: pad storage in Redis.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"


ngx_int_t
ngx_pad_store_init_process(ngx_cycle_t *cycle, ngx_pad_store_conf_t *scf,
    ngx_uint_t used)
{
    if (!used || ngx_process == NGX_PROCESS_HELPER) {
        return NGX_OK;
    }

    ngx_pad_redis = ngx_pad_redis_create(cycle, scf);
    if (ngx_pad_redis == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_pad_store_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_pad_redis) {
        ngx_pad_redis_destroy(ngx_pad_redis);
    }
}
