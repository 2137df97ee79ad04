
/*
 * Etherpad pad messages: attribute pools in their JSON form (toJsonable /
 * fromJsonable).
 */


#ifndef _NGX_PAD_MSG_POOL_H_INCLUDED_
#define _NGX_PAD_MSG_POOL_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "easysync/ngx_pad_cs.h"


/* {"numToAttrib":{...},"nextNum":N}; NULL on allocation failure */
json_t *ngx_pad_msg_pool_to_json(ngx_pad_pool_t *pool);
/*
 * Fills an empty pool; -1 on a malformed pool or a number >= max_num
 * (bounds what a client's pool may allocate).
 */
int ngx_pad_msg_pool_from_json(json_t *j, ngx_pad_pool_t *pool,
    intptr_t max_num);


#endif /* _NGX_PAD_MSG_POOL_H_INCLUDED_ */
