
/*
 * ngx_pad_module: access to pads (the "authz" layer, under the engine and
 * the HTTP handlers, over the store): the facts of Etherpad's decision
 * gathered (the store's reads, the site's check) and the pure decision
 * of src/access/ applied.
 *
 * Files, from the top:
 *   ngx_pad_authz_ask.c    the facts of one decision, the decision
 *   ngx_pad_authz_check.c  the site's check (pad_access_check): its own
 *                          HTTP/1.0 client on the event loop
 *   ngx_pad_authz_conf.c   the directives
 */


#ifndef _NGX_PAD_AUTHZ_H_INCLUDED_
#define _NGX_PAD_AUTHZ_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "access/ngx_pad_access.h"
#include "authz/ngx_pad_authz_conf.h"


typedef struct ngx_pad_authz_s        ngx_pad_authz_t;
typedef struct ngx_pad_authz_check_s  ngx_pad_authz_check_t;


/* what a decision starts from (borrowed for the call only) */
typedef struct {
    ngx_str_t                  pad;          /* the real pad id */
    ngx_uint_t                 readonly_id;  /* asked by its r. id */
    ngx_str_t                  ids[NGX_PAD_ACCESS_IDS_MAX]; /* sessions */
    ngx_uint_t                 nids;
    ngx_uint_t                 token_ok;     /* valid, or not needed */
    ngx_str_t                  token;        /* for the check ("": none) */
    ngx_str_t                  cookie;       /* the Cookie header */
    ngx_str_t                  addr;         /* the client's address */
    ngx_str_t                  kind;         /* "socket", "export" */
} ngx_pad_authz_input_t;


/*
 * The decision: rc NGX_OK and *a (a->status, a->reason; author: the
 * session's author id when a->session_author, else empty), or NGX_ERROR
 * when Redis could not be read (the caller answers "unavailable").
 */
typedef void (*ngx_pad_authz_pt)(void *data, ngx_int_t rc,
    ngx_pad_access_t *a, ngx_str_t *author);


/* ngx_pad_authz_ask.c */

/* 0: no fact can change the decision: ngx_pad_authz_decide_now() it */
ngx_uint_t ngx_pad_authz_needed(ngx_pad_authz_input_t *in);
void ngx_pad_authz_decide_now(ngx_pad_authz_input_t *in,
    ngx_pad_access_t *a);

/*
 * Reads the facts (and asks the site's check, if configured, at the
 * same time), then calls the handler once, from the event loop; NULL
 * when out of memory or without Redis (the handler is never called).
 */
ngx_pad_authz_t *ngx_pad_authz_ask(ngx_pad_authz_input_t *in,
    ngx_log_t *log, ngx_pad_authz_pt handler, void *data);
void ngx_pad_authz_cancel(ngx_pad_authz_t *az);

void ngx_pad_authz_init_process(ngx_pad_authz_conf_t *acf);


/* ngx_pad_authz_check.c */

typedef void (*ngx_pad_authz_check_pt)(void *data,
    ngx_pad_access_check_e answer);

/* NULL: out of memory or no check configured */
ngx_pad_authz_check_t *ngx_pad_authz_check_start(ngx_pad_authz_input_t *in,
    ngx_log_t *log, ngx_pad_authz_check_pt handler, void *data);
void ngx_pad_authz_check_cancel(ngx_pad_authz_check_t *chk);


#endif /* _NGX_PAD_AUTHZ_H_INCLUDED_ */
