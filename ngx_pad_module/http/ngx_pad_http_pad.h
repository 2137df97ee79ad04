
/*
 * ngx_pad_module: a pad read from Redis for the HTTP side (exports and
 * the HTTP API): the latest key snapshot at or below a revision and the
 * revisions after it, applied with the Easysync library.
 *
 * ngx_pad_http_pad_read() starts the read and calls rd->handler exactly
 * once from the event loop (never from inside the call) unless
 * ngx_pad_http_pad_free() is called first; it returns NGX_ERROR (and
 * never calls the handler) when the store cannot take the request.
 *
 * rd->status in the handler:
 *   NGX_OK        rd->text (and rd->attribs with rd->atext set), rd->head
 *                 (the revision the text is at), rd->stored_head, the
 *                 chat head, the pool, the history id;
 *   NGX_DECLINED  no such pad (or read-only id);
 *   NGX_ERROR     Redis unreachable or failing (rd->err);
 *   NGX_ABORT     the stored pad is corrupt (logged).
 */


#ifndef _NGX_PAD_HTTP_PAD_H_INCLUDED_
#define _NGX_PAD_HTTP_PAD_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "easysync/ngx_pad_cs.h"
#include "store/ngx_pad_store.h"


typedef struct ngx_pad_http_pad_s  ngx_pad_http_pad_t;

typedef void (*ngx_pad_http_pad_pt)(ngx_pad_http_pad_t *rd);


struct ngx_pad_http_pad_s {
    /* set by the caller */
    ngx_str_t                  pad;          /* copied on a resolve */
    ngx_int_t                  upto;         /* -1: the head */
    ngx_uint_t                 atext;        /* attribs and pool too */
    ngx_uint_t                 resolve;      /* r.<id>: the pad of it */
    ngx_pool_t                *pool;         /* the request's */
    ngx_log_t                 *log;
    ngx_pad_http_pad_pt        handler;
    void                      *data;

    /* the result */
    ngx_int_t                  status;
    ngx_str_t                  err;
    ngx_int_t                  head;         /* the text's revision */
    ngx_int_t                  stored_head;
    ngx_int_t                  chat_head;    /* -1: no chat message */
    ngx_str_t                  hist;         /* in rd->pool */
    ngx_str_t                  pool_json;    /* in rd->pool */
    ngx_pad_pool_t            *apool;        /* atext: the pad's pool */
    ngx_pad_str_t              text;         /* ngx_alloc()ed */
    ngx_pad_str_t              attribs;      /* ngx_alloc()ed */

    /* private */
    ngx_pad_store_req_t       *sreq;
    ngx_pad_ctx_t             *es;
    ngx_int_t                  next;
    ngx_uint_t                 loaded;
};


ngx_int_t ngx_pad_http_pad_read(ngx_pad_http_pad_t *rd);
/* cancels a read in flight and frees the result */
void ngx_pad_http_pad_free(ngx_pad_http_pad_t *rd);
/* the pool from its JSON form (rd->pool_json) into rd->apool */
ngx_int_t ngx_pad_http_pad_pool(ngx_pad_http_pad_t *rd);


#endif /* _NGX_PAD_HTTP_PAD_H_INCLUDED_ */
