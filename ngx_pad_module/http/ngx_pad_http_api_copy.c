
/*
 * ngx_pad_module: the HTTP API's copies of a pad (API.ts, Pad.ts):
 * copyPad, copyPadWithoutHistory, movePad.
 *
 * A copy reads the source (its AText at the head, the pool, the history
 * id), checks the destination (its group, whether it exists; force
 * deletes it as deletePad does, its sessions kicked), then copies the
 * records in bounded batches through the store (ngx_pad_store_copy.c):
 * revisions, chat, key snapshots, saved revisions, the pool, into staging
 * keys of the destination's slot, and commits them in one last step that
 * makes the pad exist.  The state machine (ngx_pad_api_copy_e) runs one
 * store request at a time; each answer moves it on.  movePad then deletes
 * the source (deletePad: its sessions get {"disconnect":"deleted"}).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "msg/ngx_pad_msg.h"
#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_cs_str.h"
#include "http/ngx_pad_http_api.h"


typedef enum {
    NGX_PAD_API_COPY = 0,
    NGX_PAD_API_COPY_NO_HISTORY,
    NGX_PAD_API_MOVE
} ngx_pad_api_copy_op_e;


typedef enum {
    NGX_PAD_API_C_SOURCE = 0,        /* reading the source */
    NGX_PAD_API_C_GROUP,             /* the destination's group exists? */
    NGX_PAD_API_C_EXISTS,            /* the destination exists? */
    NGX_PAD_API_C_OVERWRITE,         /* force: deleting the destination */
    NGX_PAD_API_C_BEGIN,
    NGX_PAD_API_C_REVS,              /* batches of the source's records */
    NGX_PAD_API_C_CHAT,
    NGX_PAD_API_C_SNAP,
    NGX_PAD_API_C_SAVED,
    NGX_PAD_API_C_META,
    NGX_PAD_API_C_PUT,               /* a batch written */
    NGX_PAD_API_C_POOL,
    NGX_PAD_API_C_NEW0,              /* without history: revision 0, 1 */
    NGX_PAD_API_C_NEW1,
    NGX_PAD_API_C_CHECK,             /* the source is still that pad */
    NGX_PAD_API_C_COMMIT,
    NGX_PAD_API_C_REMOVE,            /* movePad: deleting the source */
    NGX_PAD_API_C_DONE
} ngx_pad_api_copy_e;


typedef struct {
    ngx_pad_api_copy_op_e      op;
    ngx_pad_api_copy_e         state;
    ngx_pad_api_copy_e         reading;    /* the kind being read */
    ngx_str_t                  src;
    ngx_str_t                  dst;
    ngx_str_t                  group;      /* the destination's, or empty */
    ngx_str_t                  author;
    ngx_uint_t                 force;
    u_char                     tokbuf[16];
    ngx_str_t                  token;
    ngx_int_t                  next;       /* where the read goes on */
    ngx_int_t                  snap;       /* the latest snapshot, -1 */
    ngx_int_t                  pool_next;
    ngx_str_t                  public;
    ngx_str_t                  created;
    ngx_str_t                  entries;    /* without history: revision
                                              1's pool, "num":[k,v],... */
    ngx_pad_ctx_t             *es;
    ngx_uint_t                 begun;      /* an abort is due on failure */
} ngx_pad_api_copy_t;


static void ngx_pad_api_copy_pad(ngx_pad_api_t *api);
static void ngx_pad_api_copy_no_history(ngx_pad_api_t *api);
static void ngx_pad_api_move_pad(ngx_pad_api_t *api);
static void ngx_pad_api_copy_start(ngx_pad_api_t *api,
    ngx_pad_api_copy_op_e op);
static void ngx_pad_api_copy_cleanup(ngx_pad_api_t *api);
static void ngx_pad_api_copy_source(ngx_pad_http_pad_t *rd);
static void ngx_pad_api_copy_done(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_copy_dest(ngx_pad_api_t *api,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_copy_batch(ngx_pad_api_t *api,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_copy_end(ngx_pad_api_t *api,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_copy_invalid(ngx_pad_api_t *api);
static void ngx_pad_api_copy_next(ngx_pad_api_t *api);
static ngx_int_t ngx_pad_api_copy_read(ngx_pad_api_t *api);
static ngx_int_t ngx_pad_api_copy_pool(ngx_pad_api_t *api);
static ngx_int_t ngx_pad_api_copy_new(ngx_pad_api_t *api, ngx_int_t n);
static ngx_int_t ngx_pad_api_copy_commit(ngx_pad_api_t *api);
static void ngx_pad_api_copy_fail(ngx_pad_api_t *api, ngx_uint_t code,
    const char *message);


const ngx_pad_api_fn_t  ngx_pad_api_copy_fns[] = {

    { ngx_string("copyPad"), NGX_PAD_API_V1_2_9,
      { "sourceID", "destinationID", "force", NULL }, { NULL },
      ngx_pad_api_copy_pad },

    { ngx_string("movePad"), NGX_PAD_API_V1_2_9,
      { "sourceID", "destinationID", "force", NULL }, { NULL },
      ngx_pad_api_move_pad },

    { ngx_string("copyPadWithoutHistory"), NGX_PAD_API_V1_2_15,
      { "sourceID", "destinationID", "force", NULL },
      { "sourceID", "destinationID", "force", "authorId", NULL },
      ngx_pad_api_copy_no_history },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


static ngx_str_t  ngx_pad_api_copy_none = ngx_string("");


static const char  *ngx_pad_api_copy_states[] = {
    "source", "group", "exists", "overwrite", "begin", "revs", "chat",
    "snap", "saved", "meta", "put", "pool", "new0", "new1", "check",
    "commit", "remove", "done"
};


/* copyPad, copyPadWithoutHistory, movePad */

static void
ngx_pad_api_copy_pad(ngx_pad_api_t *api)
{
    ngx_pad_api_copy_start(api, NGX_PAD_API_COPY);
}


static void
ngx_pad_api_copy_no_history(ngx_pad_api_t *api)
{
    ngx_pad_api_copy_start(api, NGX_PAD_API_COPY_NO_HISTORY);
}


static void
ngx_pad_api_move_pad(ngx_pad_api_t *api)
{
    ngx_pad_api_copy_start(api, NGX_PAD_API_MOVE);
}


static void
ngx_pad_api_copy_start(ngx_pad_api_t *api, ngx_pad_api_copy_op_e op)
{
    ngx_str_t           *src, *force;
    ngx_pad_str_t        ps;
    ngx_pad_api_copy_t  *c;

    /* getPadSafe(sourceID, true) */

    src = ngx_pad_api_arg(api, "sourceID");
    if (src == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID is not a string");
        return;
    }

    ps.data = (const char *) src->data;
    ps.len = src->len;

    if (!ngx_pad_msg_padid_valid(&ps)) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "padID did not match requirements");
        return;
    }

    c = ngx_pcalloc(api->r->pool, sizeof(ngx_pad_api_copy_t));
    if (c == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    if (op == NGX_PAD_API_COPY_NO_HISTORY
        && ngx_pad_api_author_arg(api, &c->author) != NGX_OK)
    {
        return;
    }

    c->op = op;
    c->src = *src;
    c->snap = -1;

    /* removePadIfForceIsTrueAndAlreadyExist: a string, "true" any case */
    force = ngx_pad_api_arg(api, "force");
    c->force = force && force->len == 4
               && ngx_strncasecmp(force->data, (u_char *) "true", 4) == 0;

    api->data = c;
    api->cleanup = ngx_pad_api_copy_cleanup;

    api->rd.pad = c->src;
    api->rd.upto = -1;
    api->rd.atext = 1;
    api->rd.pool = api->r->pool;
    api->rd.log = api->log;
    api->rd.handler = ngx_pad_api_copy_source;

    if (ngx_pad_http_pad_read(&api->rd) != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_copy_cleanup(ngx_pad_api_t *api)
{
    ngx_pad_api_copy_t  *c = api->data;

    if (c == NULL) {
        return;
    }

    if (c->begun && !api->answered) {
        /* the request ended in the middle: the staging keys go */
        (void) ngx_pad_store_copy_step(&c->dst, &c->token,
                                       NGX_PAD_STORE_COPY_ABORT, 0, NULL, 0,
                                       NULL, NULL);
    }

    if (c->es) {
        ngx_pad_ctx_destroy(c->es);
        c->es = NULL;
    }
}


static void
ngx_pad_api_copy_fail(ngx_pad_api_t *api, ngx_uint_t code,
    const char *message)
{
    ngx_pad_api_copy_t  *c = api->data;

    if (c->begun) {
        c->begun = 0;
        (void) ngx_pad_store_copy_step(&c->dst, &c->token,
                                       NGX_PAD_STORE_COPY_ABORT, 0, NULL, 0,
                                       NULL, NULL);
    }

    ngx_pad_api_fail(api, code, message);
}


/* PadManager.getPad's message about the destination */

static void
ngx_pad_api_copy_invalid(ngx_pad_api_t *api)
{
    u_char              *p;
    ngx_pad_api_copy_t  *c = api->data;

    p = ngx_pnalloc(api->r->pool, c->dst.len + sizeof(" is not a valid padId"));
    if (p == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ngx_sprintf(p, "%V is not a valid padId%Z", &c->dst);
    ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, (char *) p);
}


/* the source is read: the destination's checks, in Pad.copy's order */

static void
ngx_pad_api_copy_source(ngx_pad_http_pad_t *rd)
{
    u_char              *dollar;
    ngx_str_t           *dst;
    ngx_pad_api_t       *api;
    ngx_pad_str_t        ps;
    ngx_pad_api_copy_t  *c;

    api = (ngx_pad_api_t *) ((u_char *) rd - offsetof(ngx_pad_api_t, rd));
    c = api->data;

    switch (rd->status) {
    case NGX_OK:
        break;
    case NGX_DECLINED:
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID does not exist");
        return;
    case NGX_ERROR:
        ngx_pad_api_store_fail(api, &rd->err);
        return;
    default:
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    if (ngx_pad_http_pad_pool(rd) != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    dst = ngx_pad_api_arg(api, "destinationID");
    if (dst == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "destinationID is not a string");
        return;
    }

    c->dst = *dst;

    dollar = ngx_strlchr(dst->data, dst->data + dst->len, '$');

    if (dollar) {
        /* checkIfGroupExistAndReturnIt */
        c->group.data = dst->data;
        c->group.len = dollar - dst->data;

        if (c->group.len == 0 || c->group.len > 512) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "groupID does not exist for destinationID");
            return;
        }
    }

    ps.data = (const char *) dst->data;
    ps.len = dst->len;

    if (!ngx_pad_msg_padid_valid(&ps) && !dollar) {
        ngx_pad_api_copy_invalid(api);
        return;
    }

    if (dollar) {
        c->state = NGX_PAD_API_C_GROUP;
        api->sreq = ngx_pad_store_group_pad(&c->group, &c->dst,
                                            ngx_pad_api_copy_done, api);
    } else {
        c->state = NGX_PAD_API_C_EXISTS;
        api->sreq = ngx_pad_store_head(&c->dst, -1, &ngx_pad_api_copy_none,
                                       ngx_pad_api_copy_done, api);
    }

    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/* the answer of the state's store request */

static void
ngx_pad_api_copy_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t       *api = data;
    ngx_pad_api_copy_t  *c = api->data;

    api->sreq = NULL;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, api->log, 0,
                   "pad api: %V \"%V\": %s done", &api->fn->name, &c->dst,
                   ngx_pad_api_copy_states[c->state]);

    if (res->status == NGX_ERROR) {
        if (c->begun) {
            c->begun = 0;
            (void) ngx_pad_store_copy_step(&c->dst, &c->token,
                                           NGX_PAD_STORE_COPY_ABORT, 0, NULL,
                                           0, NULL, NULL);
        }

        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    switch (c->state) {

    case NGX_PAD_API_C_GROUP:
    case NGX_PAD_API_C_EXISTS:
    case NGX_PAD_API_C_OVERWRITE:
        ngx_pad_api_copy_dest(api, res);
        break;

    case NGX_PAD_API_C_BEGIN:
    case NGX_PAD_API_C_PUT:
    case NGX_PAD_API_C_POOL:
    case NGX_PAD_API_C_NEW0:
    case NGX_PAD_API_C_NEW1:
        if (res->status == NGX_DECLINED) {
            /* created meanwhile, or another copy to it took over */
            ngx_pad_api_copy_fail(api, NGX_PAD_API_BAD_PARAM,
                                  "destinationID already exists");
            return;
        }

        if (c->state == NGX_PAD_API_C_BEGIN) {
            c->begun = 1;
        }

        ngx_pad_api_copy_next(api);
        return;

    case NGX_PAD_API_C_REVS:
    case NGX_PAD_API_C_CHAT:
    case NGX_PAD_API_C_SNAP:
    case NGX_PAD_API_C_SAVED:
    case NGX_PAD_API_C_META:
        ngx_pad_api_copy_batch(api, res);
        break;

    case NGX_PAD_API_C_CHECK:
    case NGX_PAD_API_C_COMMIT:
    case NGX_PAD_API_C_REMOVE:
        ngx_pad_api_copy_end(api, res);
        break;

    default:
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }
}


/* the destination: its group, whether it exists, force */

static void
ngx_pad_api_copy_dest(ngx_pad_api_t *api, ngx_pad_store_result_t *res)
{
    ngx_uint_t           same;
    ngx_pad_str_t        ps;
    ngx_pad_api_copy_t  *c = api->data;

    switch (c->state) {

    case NGX_PAD_API_C_GROUP:
        if (res->status == NGX_DECLINED) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "groupID does not exist for destinationID");
            return;
        }

        ps.data = (const char *) c->dst.data;
        ps.len = c->dst.len;

        if (!ngx_pad_msg_padid_valid(&ps)) {
            ngx_pad_api_copy_invalid(api);
            return;
        }

        c->state = NGX_PAD_API_C_EXISTS;
        api->sreq = ngx_pad_store_head(&c->dst, -1, &ngx_pad_api_copy_none,
                                       ngx_pad_api_copy_done, api);
        break;

    case NGX_PAD_API_C_EXISTS:
        same = c->dst.len == c->src.len
               && ngx_strncmp(c->dst.data, c->src.data, c->src.len) == 0;

        if (res->status == NGX_OK || same) {
            /* the source itself is never overwritten */
            if (!c->force || same) {
                ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                                 "destinationID already exists");
                return;
            }

            /* pad.remove(): its sessions are kicked ("deleted") */
            c->state = NGX_PAD_API_C_OVERWRITE;
            api->sreq = ngx_pad_store_pad_delete(&c->dst,
                                                 c->group.len ? &c->group
                                                              : NULL,
                                                 ngx_pad_api_copy_done, api);
            break;
        }

        /* fall through */

    case NGX_PAD_API_C_OVERWRITE:
        ngx_pad_store_random_id(c->tokbuf, sizeof(c->tokbuf));
        c->token.data = c->tokbuf;
        c->token.len = sizeof(c->tokbuf);

        c->state = NGX_PAD_API_C_BEGIN;
        api->sreq = ngx_pad_store_copy_step(&c->dst, &c->token,
                                            NGX_PAD_STORE_COPY_BEGIN, 0,
                                            NULL, 0, ngx_pad_api_copy_done,
                                            api);
        break;

    default:
        break;
    }

    if (api->sreq == NULL) {
        ngx_pad_api_copy_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/* a batch read from the source: written to the destination */

static void
ngx_pad_api_copy_batch(ngx_pad_api_t *api, ngx_pad_store_result_t *res)
{
    ngx_uint_t           kind;
    ngx_pad_api_copy_t  *c = api->data;

    if (c->state == NGX_PAD_API_C_META) {
        if (res->nitems == 4) {
            if (res->items[1].len == 1 && res->items[1].data[0] == '1') {
                ngx_str_set(&c->public, "1");
            }

            if (res->items[3].len && res->items[3].len < 32) {
                c->created.data = ngx_pnalloc(api->r->pool,
                                              res->items[3].len);
                if (c->created.data) {
                    c->created.len = res->items[3].len;
                    ngx_memcpy(c->created.data, res->items[3].data,
                               c->created.len);
                }
            }
        }

        c->reading = NGX_PAD_API_C_META;
        c->next = -1;
        ngx_pad_api_copy_next(api);
        return;
    }

    c->reading = c->state;
    c->next = res->from;

    if (res->nitems == 0) {
        ngx_pad_api_copy_next(api);
        return;
    }

    if (c->state == NGX_PAD_API_C_SNAP) {
        c->snap = ngx_atoi(res->items[res->nitems - 2].data,
                           res->items[res->nitems - 2].len);
    }

    kind = c->state == NGX_PAD_API_C_REVS ? NGX_PAD_STORE_COPY_REVS
           : c->state == NGX_PAD_API_C_CHAT ? NGX_PAD_STORE_COPY_CHAT
           : c->state == NGX_PAD_API_C_SNAP ? NGX_PAD_STORE_COPY_SNAP
           : NGX_PAD_STORE_COPY_SAVED;

    c->state = NGX_PAD_API_C_PUT;
    api->sreq = ngx_pad_store_copy_step(&c->dst, &c->token,
                                        NGX_PAD_STORE_COPY_PUT, kind,
                                        res->items, res->nitems,
                                        ngx_pad_api_copy_done, api);

    if (api->sreq == NULL) {
        ngx_pad_api_copy_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/* the source checked, the commit, movePad's removal of the source */

static void
ngx_pad_api_copy_end(ngx_pad_api_t *api, ngx_pad_store_result_t *res)
{
    u_char              *p;
    ngx_pad_api_copy_t  *c = api->data;

    switch (c->state) {

    case NGX_PAD_API_C_CHECK:
        if (res->status != NGX_OK
            || res->hist.len != api->rd.hist.len
            || ngx_strncmp(res->hist.data, api->rd.hist.data, res->hist.len)
            || res->head < api->rd.head)
        {
            /* deleted or replaced while it was copied */
            ngx_pad_api_copy_fail(api, NGX_PAD_API_BAD_PARAM,
                                  "padID does not exist");
            return;
        }

        if (ngx_pad_api_copy_commit(api) != NGX_OK) {
            ngx_pad_api_copy_fail(api, NGX_PAD_API_INTERNAL,
                                  "internal error");
        }

        return;

    case NGX_PAD_API_C_COMMIT:
        if (res->status == NGX_DECLINED) {
            /* created meanwhile: the staging keys go */
            ngx_pad_api_copy_fail(api, NGX_PAD_API_BAD_PARAM,
                                  "destinationID already exists");
            return;
        }

        c->begun = 0;

        if (c->op != NGX_PAD_API_MOVE) {
            ngx_pad_api_ok(api, NULL);
            return;
        }

        p = ngx_strlchr(c->src.data, c->src.data + c->src.len, '$');
        ngx_str_null(&c->group);

        if (p && p > c->src.data) {
            c->group.data = c->src.data;
            c->group.len = p - c->src.data;
        }

        c->state = NGX_PAD_API_C_REMOVE;
        api->sreq = ngx_pad_store_pad_delete(&c->src,
                                             c->group.len ? &c->group : NULL,
                                             ngx_pad_api_copy_done, api);
        break;

    case NGX_PAD_API_C_REMOVE:
        /* NGX_DECLINED: deleted meanwhile by someone else: moved anyway */
        ngx_pad_api_ok(api, NULL);
        return;

    default:
        return;
    }

    if (api->sreq == NULL) {
        ngx_pad_api_copy_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/* after a write: the next read, or the next kind, or the end */

static void
ngx_pad_api_copy_next(ngx_pad_api_t *api)
{
    ngx_int_t            rc;
    ngx_pad_api_copy_t  *c = api->data;

    if (c->op == NGX_PAD_API_COPY_NO_HISTORY) {
        switch (c->state) {
        case NGX_PAD_API_C_BEGIN:
            c->state = NGX_PAD_API_C_POOL;
            rc = ngx_pad_api_copy_pool(api);
            break;
        case NGX_PAD_API_C_POOL:
            c->state = NGX_PAD_API_C_NEW0;
            rc = ngx_pad_api_copy_new(api, 0);
            break;
        case NGX_PAD_API_C_NEW0:
            c->state = NGX_PAD_API_C_NEW1;
            rc = ngx_pad_api_copy_new(api, 1);
            break;
        default:
            c->state = NGX_PAD_API_C_CHECK;
            rc = NGX_OK;
            api->sreq = ngx_pad_store_head(&c->src, -1, &ngx_pad_api_copy_none,
                                           ngx_pad_api_copy_done, api);
            break;
        }

    } else if (c->state == NGX_PAD_API_C_BEGIN) {
        c->state = NGX_PAD_API_C_POOL;
        rc = ngx_pad_api_copy_pool(api);

    } else if (c->state == NGX_PAD_API_C_POOL) {
        c->reading = NGX_PAD_API_C_REVS;
        c->next = 0;
        rc = ngx_pad_api_copy_read(api);

    } else if (c->next >= 0) {
        rc = ngx_pad_api_copy_read(api);

    } else if (c->reading < NGX_PAD_API_C_META) {
        c->reading++;
        c->next = 0;
        rc = ngx_pad_api_copy_read(api);

    } else {
        c->state = NGX_PAD_API_C_CHECK;
        rc = NGX_OK;
        api->sreq = ngx_pad_store_head(&c->src, -1, &ngx_pad_api_copy_none,
                                       ngx_pad_api_copy_done, api);
    }

    if (rc != NGX_OK || api->sreq == NULL) {
        ngx_pad_api_copy_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/* the next batch of the kind being read, from c->next */

static ngx_int_t
ngx_pad_api_copy_read(ngx_pad_api_t *api)
{
    ngx_int_t            to;
    ngx_uint_t           kind;
    ngx_pad_api_copy_t  *c = api->data;

    switch (c->reading) {
    case NGX_PAD_API_C_REVS:
        kind = NGX_PAD_STORE_COPY_REVS;
        to = api->rd.head;
        break;
    case NGX_PAD_API_C_CHAT:
        kind = NGX_PAD_STORE_COPY_CHAT;
        to = api->rd.chat_head;
        break;
    case NGX_PAD_API_C_SNAP:
        kind = NGX_PAD_STORE_COPY_SNAP;
        to = api->rd.head;
        break;
    case NGX_PAD_API_C_SAVED:
        kind = NGX_PAD_STORE_COPY_SAVED;
        to = 0;
        break;
    default:
        kind = NGX_PAD_STORE_COPY_META;
        to = 0;
        break;
    }

    c->state = c->reading;
    api->sreq = ngx_pad_store_copy_read(&c->src, &api->rd.hist, kind,
                                        c->next, to, ngx_pad_api_copy_done,
                                        api);

    return api->sreq ? NGX_OK : NGX_ERROR;
}


/*
 * The pool as the source's head uses it (entries below its nextNum);
 * copyPadWithoutHistory: and its author's entry (appendRevision).
 */

static ngx_int_t
ngx_pad_api_copy_pool(ngx_pad_api_t *api)
{
    u_char              *p;
    char                *s;
    json_t              *j;
    intptr_t             num, next;
    size_t               len;
    ngx_str_t           *vals, entry;
    ngx_uint_t           n, i;
    ngx_pad_str_t        k, v;
    ngx_pad_api_copy_t  *c = api->data;

    next = ngx_pad_pool_next_num(api->rd.apool);

    if (ngx_pad_api_author_entry(api, api->rd.apool, &c->author, &entry)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    vals = ngx_pcalloc(api->r->pool, (next + 1) * 2 * sizeof(ngx_str_t));
    if (vals == NULL) {
        return NGX_ERROR;
    }

    n = 0;

    for (num = 0; num < next; num++) {
        if (ngx_pad_pool_get(api->rd.apool, num, &k, &v) != 0) {
            continue;
        }

        j = json_pack("[s%,s%]", k.data, k.len, v.data, v.len);
        s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);

        if (s == NULL) {
            return NGX_ERROR;
        }

        p = ngx_pnalloc(api->r->pool, NGX_INT_T_LEN + ngx_strlen(s));
        if (p == NULL) {
            free(s);
            return NGX_ERROR;
        }

        vals[n].data = p;
        vals[n].len = ngx_sprintf(p, "%i", (ngx_int_t) num) - p;
        vals[n + 1].data = vals[n].data + vals[n].len;
        vals[n + 1].len = ngx_strlen(s);
        ngx_memcpy(vals[n + 1].data, s, vals[n + 1].len);
        free(s);

        n += 2;
    }

    if (entry.len) {
        p = ngx_pnalloc(api->r->pool, NGX_INT_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        vals[n].data = p;
        vals[n].len = ngx_sprintf(p, "%i", (ngx_int_t) next) - p;
        vals[n + 1] = entry;
        n += 2;
    }

    /* an empty pool: copy.lua writes nothing */
    c->pool_next = next + (entry.len ? 1 : 0);

    if (c->op == NGX_PAD_API_COPY_NO_HISTORY && n) {
        /* revision 1 introduces them all */
        len = 0;

        for (i = 0; i < n; i += 2) {
            len += vals[i].len + vals[i + 1].len + 4;
        }

        p = ngx_pnalloc(api->r->pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        c->entries.data = p;

        for (i = 0; i < n; i += 2) {
            p = ngx_sprintf(p, "%s\"%V\":%V", i ? "," : "", &vals[i],
                            &vals[i + 1]);
        }

        c->entries.len = p - c->entries.data;
    }

    api->sreq = ngx_pad_store_copy_step(&c->dst, &c->token,
                                        NGX_PAD_STORE_COPY_PUT,
                                        NGX_PAD_STORE_COPY_POOL, vals, n,
                                        ngx_pad_api_copy_done, api);

    return api->sreq ? NGX_OK : NGX_ERROR;
}


/*
 * copyPadWithoutHistory's two revisions (Pad.copyPadWithoutHistory):
 * 0 the pad made with the text "\n" (its text "\n\n"), 1 the source's
 * AText in place of it, both by authorId.
 */

static ngx_int_t
ngx_pad_api_copy_new(ngx_pad_api_t *api, ngx_int_t n)
{
    u_char              *p;
    ngx_str_t            vals[4];
    ngx_pad_str_t        nl, cs, text;
    ngx_pad_atext_t      to;
    ngx_pad_api_copy_t  *c = api->data;

    if (c->es == NULL) {
        c->es = ngx_pad_ctx_create();
        if (c->es == NULL) {
            return NGX_ERROR;
        }
    }

    ngx_pad_ctx_reset(c->es);

    nl.data = "\n";
    nl.len = 1;

    if (n == 0) {
        if (ngx_pad_cs_make_splice(c->es, &nl, 0, 0, &nl, NULL, &cs)
            != NGX_PAD_CS_OK)
        {
            return NGX_ERROR;
        }

    } else {
        text.data = "\n\n";
        text.len = 2;
        to.text = api->rd.text;
        to.attribs = api->rd.attribs;

        if (ngx_pad_api_replace_cs(c->es, &text, &to, &cs) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    p = ngx_pnalloc(api->r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    vals[0].data = p;
    vals[0].len = ngx_sprintf(p, "%i", n) - p;
    vals[1].data = (u_char *) cs.data;
    vals[1].len = cs.len;
    vals[2] = c->author;
    if (n == 1) {
        vals[3] = c->entries;
    } else {
        ngx_str_set(&vals[3], "");
    }

    api->sreq = ngx_pad_store_copy_step(&c->dst, &c->token,
                                        NGX_PAD_STORE_COPY_REV, 0, vals, 4,
                                        ngx_pad_api_copy_done, api);

    return api->sreq ? NGX_OK : NGX_ERROR;
}


/* the indexes, then the meta that makes the destination exist */

static ngx_int_t
ngx_pad_api_copy_commit(ngx_pad_api_t *api)
{
    u_char              *p;
    intptr_t             num, next;
    ngx_str_t            vals[16], *authors, hist;
    ngx_uint_t           n, na;
    ngx_pad_str_t        k, v;
    ngx_pad_api_copy_t  *c = api->data;

    /* getAllAuthors: the pool's authors */

    next = ngx_pad_pool_next_num(api->rd.apool);

    authors = ngx_pcalloc(api->r->pool, (next + 2) * sizeof(ngx_str_t));
    p = ngx_pnalloc(api->r->pool, 6 * NGX_INT_T_LEN + 16);

    if (authors == NULL || p == NULL) {
        return NGX_ERROR;
    }

    na = 0;

    for (num = 0; num < next; num++) {
        if (ngx_pad_pool_get(api->rd.apool, num, &k, &v) == 0
            && k.len == 6 && ngx_strncmp(k.data, "author", 6) == 0
            && v.len)
        {
            authors[na].data = (u_char *) v.data;
            authors[na].len = v.len;
            na++;
        }
    }

    if (c->author.len) {
        authors[na++] = c->author;
    }

    if (ngx_pad_store_copy_index(&c->dst, c->group.len ? &c->group : NULL,
                                 authors, na)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    n = 0;

    ngx_str_set(&vals[n], "pool_next");
    vals[n + 1].data = p;
    p = ngx_sprintf(p, "%i", c->pool_next);
    vals[n + 1].len = p - vals[n + 1].data;
    n += 2;

    if (c->op != NGX_PAD_API_COPY_NO_HISTORY) {
        if (api->rd.chat_head >= 0) {
            ngx_str_set(&vals[n], "chat_next");
            vals[n + 1].data = p;
            p = ngx_sprintf(p, "%i", api->rd.chat_head + 1);
            vals[n + 1].len = p - vals[n + 1].data;
            n += 2;
        }

        if (c->snap >= 0) {
            ngx_str_set(&vals[n], "snap");
            vals[n + 1].data = p;
            p = ngx_sprintf(p, "%i", c->snap);
            vals[n + 1].len = p - vals[n + 1].data;
            n += 2;
        }

        if (c->public.len) {
            ngx_str_set(&vals[n], "public");
            vals[n + 1] = c->public;
            n += 2;
        }

        if (c->created.len) {
            ngx_str_set(&vals[n], "created");
            vals[n + 1] = c->created;
            n += 2;
        }
    }

    hist.data = p;
    hist.len = 16;
    ngx_pad_store_random_id(p, 16);
    p += 16;

    ngx_str_set(&vals[n], "hist");
    vals[n + 1] = hist;
    n += 2;

    ngx_str_set(&vals[n], "head");
    vals[n + 1].data = p;
    p = ngx_sprintf(p, "%i",
                    c->op == NGX_PAD_API_COPY_NO_HISTORY ? 1 : api->rd.head);
    vals[n + 1].len = p - vals[n + 1].data;
    n += 2;

    c->state = NGX_PAD_API_C_COMMIT;
    api->sreq = ngx_pad_store_copy_step(&c->dst, &c->token,
                                        NGX_PAD_STORE_COPY_COMMIT, 0, vals, n,
                                        ngx_pad_api_copy_done, api);

    return api->sreq ? NGX_OK : NGX_ERROR;
}
