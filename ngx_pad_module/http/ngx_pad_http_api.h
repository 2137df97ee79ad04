
/*
 * ngx_pad_module: Etherpad's HTTP API ("pad_api" locations).
 *
 *   GET /api                      {"currentVersion":"1.3.0"}
 *   GET|POST /api/<version>/<function>?<parameters>
 *
 * The handler (ngx_pad_http_api.c) finds the function, reads the
 * parameters (query, then an urlencoded or multipart body; a later
 * source wins, as Etherpad merges them), checks the key, sanitizes padID
 * and padName, and calls the function with an ngx_pad_api_t.  A function
 * answers exactly once, at once or later from the event loop, with
 * ngx_pad_api_ok() or ngx_pad_api_fail() (ngx_pad_http_api_call.c); its
 * answer is Etherpad's {"code":N,"message":"...","data":...}:
 *
 *   0 ok (200), 1 wrong parameters (200), 2 internal error (500),
 *   3 no such function or version (404), 4 no or wrong API key (401).
 *
 * The function files (ngx_pad_http_api_*.c) each export a table of
 * ngx_pad_api_fn_t ending in an entry with an empty name.
 */


#ifndef _NGX_PAD_HTTP_API_H_INCLUDED_
#define _NGX_PAD_HTTP_API_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "store/ngx_pad_store.h"
#include "http/ngx_pad_http_pad.h"
#include "http/ngx_pad_http_api_conf.h"


/* the versions, in order (Etherpad's APIHandler.ts) */
typedef enum {
    NGX_PAD_API_V1 = 0,
    NGX_PAD_API_V1_1,
    NGX_PAD_API_V1_2,
    NGX_PAD_API_V1_2_1,
    NGX_PAD_API_V1_2_7,
    NGX_PAD_API_V1_2_8,
    NGX_PAD_API_V1_2_9,
    NGX_PAD_API_V1_2_10,
    NGX_PAD_API_V1_2_11,
    NGX_PAD_API_V1_2_12,
    NGX_PAD_API_V1_2_13,
    NGX_PAD_API_V1_2_14,
    NGX_PAD_API_V1_2_15,
    NGX_PAD_API_V1_3_0,
    NGX_PAD_API_NVERSIONS
} ngx_pad_api_version_e;


#define NGX_PAD_API_PARAMS_MAX  5

/* answer codes */
#define NGX_PAD_API_OK          0
#define NGX_PAD_API_BAD_PARAM   1
#define NGX_PAD_API_INTERNAL    2
#define NGX_PAD_API_NO_FUNC     3
#define NGX_PAD_API_NO_KEY      4


typedef struct ngx_pad_api_s  ngx_pad_api_t;

typedef enum {
    NGX_PAD_API_LOCK_NONE = 0,
    NGX_PAD_API_LOCK_WAITING,
    NGX_PAD_API_LOCK_HOLDING
} ngx_pad_api_lock_e;

typedef void (*ngx_pad_api_handler_pt)(ngx_pad_api_t *api);


typedef struct {
    ngx_str_t                  name;
    ngx_uint_t                 since;      /* ngx_pad_api_version_e */
    /* its parameters, and (if any) those of version 1.3.0 and later */
    const char                *params[NGX_PAD_API_PARAMS_MAX + 1];
    const char                *params_130[NGX_PAD_API_PARAMS_MAX + 1];
    ngx_pad_api_handler_pt     handler;
} ngx_pad_api_fn_t;


struct ngx_pad_api_s {
    ngx_http_request_t        *r;
    ngx_log_t                 *log;
    ngx_pad_api_conf_t        *conf;
    const ngx_pad_api_fn_t    *fn;
    ngx_uint_t                 version;
    const char               **names;      /* the version's parameters */
    ngx_str_t                  args[NGX_PAD_API_PARAMS_MAX];
                                           /* .data NULL: absent */
    ngx_uint_t                 answered;

    /* for the functions: a pad read, a store request, their own state */
    ngx_pad_http_pad_t         rd;
    ngx_pad_store_req_t       *sreq;
    ngx_int_t                  rev;        /* a parsed "rev", -1: none */
    ngx_int_t                  head;       /* ngx_pad_api_pad_head() */
    ngx_int_t                  chat_head;
    ngx_pad_api_handler_pt     next;

    /* ngx_pad_http_api_lock.c: one write of a pad at a time */
    void                      *lock;
    ngx_uint_t                 lock_state; /* ngx_pad_api_lock_e */
    ngx_queue_t                lock_q;
    ngx_event_t                lock_ev;
    ngx_pad_api_handler_pt     lock_go;
    ngx_pad_api_handler_pt     lock_done;  /* called by the answer */
    ngx_uint_t                 write_tries;
    void                      *data;
    ngx_pad_api_handler_pt     cleanup;    /* called when the request
                                              ends, answered or not */
};


/* the handler of "pad_api" locations */
ngx_int_t ngx_pad_http_api_handler(ngx_http_request_t *r);
/* this process's settings (set at init_process; NULL: none) */
void ngx_pad_http_api_init_process(ngx_pad_api_conf_t *acf);


/* ngx_pad_http_api_call.c: for the functions */

/* a parameter by its name (NULL: absent, or not one of the function's) */
ngx_str_t *ngx_pad_api_arg(ngx_pad_api_t *api, const char *name);
/* data: the answer's "data" (NULL: null); takes the reference */
void ngx_pad_api_ok(ngx_pad_api_t *api, json_t *data);
void ngx_pad_api_fail(ngx_pad_api_t *api, ngx_uint_t code,
    const char *message);
/* a failed store request (Redis down): code 2, logged at info */
void ngx_pad_api_store_fail(ngx_pad_api_t *api, ngx_str_t *err);
/* a JSON string of s (NULL on allocation failure) */
json_t *ngx_pad_api_string(ngx_str_t *s);

/*
 * Etherpad's checkValidRev() of parameter "name" into api->rev (-1 when
 * absent): NGX_OK, or NGX_ERROR after answering code 1.
 */
ngx_int_t ngx_pad_api_rev(ngx_pad_api_t *api, const char *name);

/*
 * getPadSafe's checks of padID ("padID is not a string", "padID did not
 * match requirements"): NGX_OK and *pad, or NGX_ERROR after answering.
 */
ngx_int_t ngx_pad_api_pad_arg(ngx_pad_api_t *api, ngx_str_t **pad);

/*
 * Etherpad's getPadSafe(padID, true): the pad read into api->rd (upto,
 * atext as asked), then done() with rd->status NGX_OK.  Missing,
 * invalid, not-existing pads and store errors are answered here.
 */
/*
 * getPadSafe(padID, true) by the pad's head: api->head and api->chat_head
 * set, then done(api); NGX_ERROR after answering (bad padID, no memory).
 * "padID does not exist" and Redis errors are answered here.
 */
ngx_int_t ngx_pad_api_pad_head(ngx_pad_api_t *api,
    ngx_pad_api_handler_pt done);

ngx_int_t ngx_pad_api_read_pad(ngx_pad_api_t *api, ngx_int_t upto,
    ngx_uint_t atext, ngx_pad_api_handler_pt done);

/*
 * ngx_pad_http_api_lock.c: ngx_pad_api_read_pad(api, -1, 1, done) for a
 * write, once no other write of the pad runs in this worker (the calls
 * wait in order); NGX_ERROR after answering.  The lock passes on when the
 * call answers or its request ends (ngx_pad_api_write_done()).
 */
ngx_int_t ngx_pad_api_write_pad(ngx_pad_api_t *api,
    ngx_pad_api_handler_pt done);
void ngx_pad_api_write_done(ngx_pad_api_t *api);
/*
 * The answer of a write's append (its handler's res): ok answered; the
 * head moved or another history (NGX_DECLINED, NGX_ABORT): the pad read
 * again (api->rd freed first) and reread called, NGX_PAD_API_WRITE_TRIES
 * times at most, then code 2; a store error answered.
 */
void ngx_pad_api_write_appended(ngx_pad_api_t *api,
    ngx_pad_store_result_t *res, ngx_pad_api_handler_pt reread);

#define NGX_PAD_API_WRITE_TRIES  10


/*
 * ngx_pad_http_api_restore.c, for the functions that make a revision from
 * another AText (restoreRevision, copyPadWithoutHistory):
 * author_arg: authorId (absent: empty), NGX_ERROR after answering code 1;
 * replace_cs: the changeset taking the text "old" to the AText "to" (all
 * deleted, all inserted with its attributes), in es;
 * author_entry: appendRevision's putAttrib(["author", author]): entry
 * empty when the pool has it, else its JSON (to be numbered nextNum).
 */
ngx_int_t ngx_pad_api_author_arg(ngx_pad_api_t *api, ngx_str_t *author);
ngx_int_t ngx_pad_api_replace_cs(ngx_pad_ctx_t *es, const ngx_pad_str_t *old,
    const ngx_pad_atext_t *to, ngx_pad_str_t *out);
ngx_int_t ngx_pad_api_author_entry(ngx_pad_api_t *api, ngx_pad_pool_t *pool,
    ngx_str_t *author, ngx_str_t *entry);


/*
 * ngx_pad_http_api_jwt.c: the call's bearer token (pad_api_jwt_key set, no
 * pad_api_key_file): NGX_OK, NGX_DECLINED (no Authorization header) or
 * NGX_ERROR (refused; logged at most once a second).
 */
ngx_int_t ngx_pad_api_jwt_check(ngx_pad_api_t *api);


/* the function tables */
extern const ngx_pad_api_fn_t  ngx_pad_api_read_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_write_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_list_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_html_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_chat_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_saved_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_users_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_author_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_group_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_session_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_copy_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_restore_fns[];
extern const ngx_pad_api_fn_t  ngx_pad_api_diff_fns[];


#endif /* _NGX_PAD_HTTP_API_H_INCLUDED_ */
