
/*
 * ngx_pad_module: pad storage in Redis, the only code that speaks Redis
 * for the pad engine.  See README.md, section "Redis", for the layout.
 */


#ifndef _NGX_PAD_STORE_H_INCLUDED_
#define _NGX_PAD_STORE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store_conf.h"
#include "store/ngx_pad_redis.h"


/* init_process: "used" when some location serves pads */
ngx_int_t ngx_pad_store_init_process(ngx_cycle_t *cycle,
    ngx_pad_store_conf_t *scf, ngx_uint_t used);
void ngx_pad_store_exit_process(ngx_cycle_t *cycle);


#endif /* _NGX_PAD_STORE_H_INCLUDED_ */
