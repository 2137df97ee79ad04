
/*
 * ngx_pad_module: the watcher of Redis's data-set marker (epoch.lua),
 * inside the store.  Read after every (re)connect of the command
 * connection and every pad_redis_keepalive; a marker other than the one
 * seen before means Redis lost its data: the handler given to
 * ngx_pad_store_on_lost() is called.
 */


#ifndef _NGX_PAD_STORE_EPOCH_H_INCLUDED_
#define _NGX_PAD_STORE_EPOCH_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store_conf.h"


void ngx_pad_store_epoch_init(ngx_cycle_t *cycle, ngx_pad_store_conf_t *scf);
void ngx_pad_store_epoch_exit(void);


#endif /* _NGX_PAD_STORE_EPOCH_H_INCLUDED_ */
