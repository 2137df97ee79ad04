/*
 * The JSON form of an attribute pool (toJsonable / fromJsonable):
 *   {"numToAttrib":{"0":["author","a.x"],"1":["bold","true"]},"nextNum":2}
 * An "attribToNum" member is accepted and ignored (it is rebuilt from
 * numToAttrib, later numbers winning the "k,v" lookup, as Etherpad does).
 */

#ifndef _NGX_PAD_POOL_JSON_H_INCLUDED_
#define _NGX_PAD_POOL_JSON_H_INCLUDED_


#include <jansson.h>

#include "ngx_pad_cs.h"


/* fills a new, empty pool; -1 and a message in err on error */
intptr_t ngx_pad_pool_from_json(ngx_pad_pool_t *pool, json_t *json,
    char *err, size_t errlen);

/* a new reference, or NULL on allocation failure */
json_t *ngx_pad_pool_to_json(ngx_pad_pool_t *pool);


#endif /* _NGX_PAD_POOL_JSON_H_INCLUDED_ */
