
/*
 * ngx_pad_module: the store's internals, shared by its files only
 * (ngx_pad_store.c: the request machinery; ngx_pad_store_pad.c,
 * ngx_pad_store_ids.c, ngx_pad_store_lost.c: the requests).  Users
 * include ngx_pad_store.h.
 *
 * A request names the parser of its reply (NULL: any reply but an error
 * is NGX_OK); a parser sets res->status, or NGX_AGAIN after sending the
 * request's next step itself.
 */


#ifndef _NGX_PAD_STORE_INT_H_INCLUDED_
#define _NGX_PAD_STORE_INT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_scripts.h"


typedef ngx_int_t (*ngx_pad_store_parse_pt)(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);


#define NGX_PAD_STORE_ID_MAX      512
/* twice the id: a cluster-mode key of an id beginning with '}' */
#define NGX_PAD_STORE_KEY_MAX     (64 + 2 * NGX_PAD_STORE_ID_MAX + 160)
#define NGX_PAD_STORE_KEYS        6
#define NGX_PAD_STORE_HIST_MAX    64


#define NGX_PAD_STORE_APPEND      1
#define NGX_PAD_STORE_LOAD        3
#define NGX_PAD_STORE_RANGE       4
#define NGX_PAD_STORE_HEAD        5
#define NGX_PAD_STORE_CHAT        6
#define NGX_PAD_STORE_RO_ID       7
#define NGX_PAD_STORE_RO_PAD      8
#define NGX_PAD_STORE_AUTHOR      9
#define NGX_PAD_STORE_AUTHOR_GET  10
#define NGX_PAD_STORE_STATUS      11   /* any reply but an error is OK */
#define NGX_PAD_STORE_CREATE      12
#define NGX_PAD_STORE_EPOCH       13
#define NGX_PAD_STORE_DELETE      14
#define NGX_PAD_STORE_MEMBERS     15
#define NGX_PAD_STORE_GROUP       16   /* ngx_pad_store_group.c */
#define NGX_PAD_STORE_COPY        17   /* ngx_pad_store_copy.c */


struct ngx_pad_store_req_s {
    ngx_uint_t                 op;
    ngx_pad_store_parse_pt     parse;      /* NULL: any reply but an error */
    ngx_uint_t                 step;
    ngx_pad_store_handler_pt   handler;
    void                      *data;
    ngx_pad_redis_req_t       *rreq;
    ngx_pad_lua_script_t      *script;
    ngx_uint_t                 retried;
    ngx_int_t                  from;
    int                        argc;
    const char               **argv;
    size_t                    *argvlen;
    u_char                    *args;       /* the allocation behind argv */
    ngx_str_t                  saved;      /* multi-step: a value */
    ngx_str_t                  saved2;     /* multi-step: another one */
    ngx_uint_t                 created;
    void                      *ext;        /* a request's own state */
    void                     (*ext_free)(void *ext);
};


extern ngx_pad_lua_script_t  *ngx_pad_store_lua_append;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_snapshot;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_restore;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_load;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_chat;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_getset;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_create;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_epoch;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_head;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_delete;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_mapper;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_mark;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_public;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_members;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_copy;
extern ngx_pad_lua_script_t  *ngx_pad_store_lua_copyread;


/* ngx_pad_store.c: requests */
ngx_pad_store_req_t *ngx_pad_store_req(ngx_uint_t op,
    ngx_pad_store_parse_pt parse, ngx_pad_store_handler_pt handler,
    void *data, ngx_str_t *args, int argc);
ngx_pad_store_req_t *ngx_pad_store_eval(ngx_pad_lua_script_t *script,
    ngx_uint_t op, ngx_pad_store_parse_pt parse, ngx_str_t *keys, int nkeys,
    ngx_str_t *args, int nargs, ngx_pad_store_handler_pt handler,
    void *data);
ngx_int_t ngx_pad_store_set_args(ngx_pad_store_req_t *req, ngx_str_t *args,
    int argc);
ngx_int_t ngx_pad_store_send(ngx_pad_store_req_t *req);

/* ngx_pad_store.c: replies and keys */
ngx_int_t ngx_pad_store_items(redisReply **elts, size_t n,
    ngx_pad_store_result_t *res);
ngx_int_t ngx_pad_store_int(redisReply *r, ngx_int_t *n);
ngx_int_t ngx_pad_store_str(redisReply *r, ngx_str_t *s);
ngx_int_t ngx_pad_store_save(ngx_str_t *dst, ngx_str_t *src);
/* P{pad}:suffix, P<kind>:<id> */
ngx_int_t ngx_pad_store_pad_key(ngx_str_t *key, u_char *buf, ngx_str_t *pad,
    char *suffix);
ngx_int_t ngx_pad_store_global_key(ngx_str_t *key, u_char *buf, char *kind,
    ngx_str_t *id);

/* ngx_pad_store_pad.c */
ngx_int_t ngx_pad_store_snapshot_json(ngx_str_t *out, ngx_int_t rev,
    ngx_str_t *text, ngx_str_t *attribs);
ngx_int_t ngx_pad_store_parse_append(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
ngx_int_t ngx_pad_store_parse_load(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
ngx_int_t ngx_pad_store_parse_range(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
ngx_int_t ngx_pad_store_parse_chat(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);

/* ngx_pad_store_ids.c */
ngx_int_t ngx_pad_store_parse_ro_pad(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
ngx_int_t ngx_pad_store_next(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res);

/* ngx_pad_store_lost.c */
ngx_int_t ngx_pad_store_parse_create(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
ngx_int_t ngx_pad_store_parse_epoch(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
ngx_int_t ngx_pad_store_parse_head(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);

/* ngx_pad_store_admin.c */
/* adds the pad to Ppads (no answer; sent before what creates the pad) */
ngx_int_t ngx_pad_store_pads_add(ngx_str_t *pad);


#endif /* _NGX_PAD_STORE_INT_H_INCLUDED_ */
