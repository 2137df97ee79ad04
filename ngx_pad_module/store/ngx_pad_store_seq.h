
/*
 * ngx_pad_module: a store request that is a sequence of commands, one
 * step per reply (ngx_pad_store_seq.c), for requests whose keys live in
 * different hash slots (ngx_pad_store_group.c, ngx_pad_store_session.c).
 * Store-internal, as ngx_pad_store_int.h.
 *
 * A sequence's state (ngx_pad_store_g_t) lives in its own pool, freed
 * with the request; "step" parses each reply and sends the next command
 * (ngx_pad_store_g_send/_eval answer NGX_AGAIN, then the step sets
 * res->status NGX_AGAIN) or gives the result.
 */


#ifndef _NGX_PAD_STORE_SEQ_H_INCLUDED_
#define _NGX_PAD_STORE_SEQ_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"


/* what a list keeps of a member: which key tells that it exists */
typedef enum {
    NGX_PAD_STORE_G_KEEP_GROUP = 0,
    NGX_PAD_STORE_G_KEEP_PAD,
    NGX_PAD_STORE_G_KEEP_SESSION
} ngx_pad_store_g_keep_e;


typedef struct {
    ngx_pool_t                *pool;
    ngx_pad_store_parse_pt     step;      /* the sequence's parser */
    ngx_uint_t                 of;        /* ngx_pad_store_of_e */
    ngx_uint_t                 keep;      /* lists */
    ngx_str_t                  id;        /* the id made or found */
    ngx_str_t                  arg;       /* the id or mapper asked */
    ngx_str_t                  name;      /* .data NULL: none */
    ngx_str_t                  seen;      /* a mapper's value seen */
    ngx_str_t                  group;
    ngx_str_t                  author;
    ngx_str_t                  valid;
    ngx_str_t                 *members;   /* a set read */
    ngx_uint_t                 nmembers;
    ngx_uint_t                 next;
    ngx_array_t                out;       /* ngx_str_t kept */
    ngx_uint_t                 flag;
    ngx_uint_t                 tries;
} ngx_pad_store_g_t;


/* "group:{", "author:", "session:{" and their ends, by ngx_pad_store_of_e */
extern char  *ngx_pad_store_g_owner[];
extern char  *ngx_pad_store_g_close[];


ngx_pad_store_g_t *ngx_pad_store_g_new(ngx_pad_store_parse_pt step);
void ngx_pad_store_g_free(void *ext);
/* the request with its first command (g freed when it fails) */
ngx_pad_store_req_t *ngx_pad_store_g_start(ngx_pad_store_g_t *g,
    ngx_pad_store_handler_pt handler, void *data, ngx_str_t *args, int argc);
/* the same with a script of one key */
ngx_pad_store_req_t *ngx_pad_store_g_start_eval(ngx_pad_store_g_t *g,
    ngx_pad_lua_script_t *script, ngx_str_t *key, ngx_str_t *args,
    int nargs, ngx_pad_store_handler_pt handler, void *data);
/* the next command: NGX_AGAIN, or NGX_ERROR */
ngx_int_t ngx_pad_store_g_send(ngx_pad_store_req_t *req, ngx_uint_t step,
    ngx_str_t *args, int argc);
ngx_int_t ngx_pad_store_g_eval(ngx_pad_store_req_t *req, ngx_uint_t step,
    ngx_pad_lua_script_t *script, ngx_str_t *key, ngx_str_t *args,
    int nargs);
/* members.lua's ARGV[1], pad_redis_list_max, into buf[NGX_INT_T_LEN] */
void ngx_pad_store_list_max_arg(ngx_str_t *arg, u_char *buf);
/* P<pre><id><post> in g's pool (id NULL: P<pre><post>) */
ngx_int_t ngx_pad_store_g_key(ngx_pad_store_g_t *g, ngx_str_t *key,
    char *pre, ngx_str_t *id, char *post);
ngx_int_t ngx_pad_store_g_copy(ngx_pad_store_g_t *g, ngx_str_t *dst,
    ngx_str_t *src);
/* prefix ("g.", "a.", "s.") and 16 of [A-Za-z0-9] */
ngx_int_t ngx_pad_store_g_id(ngx_pad_store_g_t *g, ngx_str_t *id,
    char *prefix);
/* now in ms, as Etherpad's Date.now() */
ngx_int_t ngx_pad_store_g_now(ngx_pad_store_g_t *g, ngx_str_t *s);
ngx_int_t ngx_pad_store_g_parse(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res);

/*
 * The list steps (g->step for the lists): 0 EXISTS the owner (the
 * groups: none), [sessions: 1 HGET its "sessions" flag], 2 SMEMBERS, 3
 * one check per member, kept when its record exists.
 */
ngx_int_t ngx_pad_store_g_list(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res);
ngx_int_t ngx_pad_store_g_members(ngx_pad_store_req_t *req,
    redisReply *reply);
/* res NULL: one more slot in g->out; else the answer from g->out */
ngx_int_t ngx_pad_store_g_out(ngx_pad_store_req_t *req,
    ngx_pad_store_result_t *res);


#endif /* _NGX_PAD_STORE_SEQ_H_INCLUDED_ */
