
/*
 * ngx_pad_module: the per-worker pad registry.
 *
 * A pad is loaded once per worker (head, atext, pool: ngx_pad_pstore_
 * load.c), subscribed to its Redis channel, caught up with what others
 * published, and its sessions and commits are told through its ready
 * event when it is (ngx_pad_pad_post_ready()).  Its revisions and the way
 * its head moves are in ngx_pad_window.c.  Also: the authors' cache
 * (historicalAuthorData) and what is sent to every session of the pad.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


static void ngx_pad_pad_loaded(void *data, ngx_int_t rc);
static void ngx_pad_pad_caught_up(void *data, ngx_int_t rc);
static void ngx_pad_pad_free(ngx_pad_pad_t *pad);


static ngx_pad_pad_t *
ngx_pad_pad_lookup(ngx_str_t *id, uint32_t hash)
{
    ngx_int_t           rc;
    ngx_pad_pad_t      *pad;
    ngx_rbtree_node_t  *node, *sentinel;

    node = ngx_pad_engine->pads.root;
    sentinel = ngx_pad_engine->pads.sentinel;

    while (node != sentinel) {
        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        pad = (ngx_pad_pad_t *) node;

        rc = ngx_memn2cmp(id->data, pad->id.data, id->len, pad->id.len);

        if (rc == 0) {
            return pad;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static void
ngx_pad_pad_rbtree_insert(ngx_rbtree_node_t *temp, ngx_rbtree_node_t *node,
    ngx_rbtree_node_t *sentinel)
{
    ngx_pad_pad_t       *a, *b;
    ngx_rbtree_node_t  **p;

    for ( ;; ) {
        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            a = (ngx_pad_pad_t *) node;
            b = (ngx_pad_pad_t *) temp;

            p = (ngx_memn2cmp(a->id.data, b->id.data, a->id.len, b->id.len)
                 < 0) ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


void
ngx_pad_pad_registry_init(void)
{
    ngx_rbtree_init(&ngx_pad_engine->pads, &ngx_pad_engine->sentinel,
                    ngx_pad_pad_rbtree_insert);
}


/* the pad with that id, loaded or being loaded; referenced */

ngx_pad_pad_t *
ngx_pad_pad_get(ngx_str_t *id)
{
    uint32_t        hash;
    ngx_pad_pad_t  *pad;

    hash = ngx_crc32_short(id->data, id->len);

    pad = ngx_pad_pad_lookup(id, hash);

    if (pad) {
        if (pad->state == NGX_PAD_FAILED && pad->refs == 0) {
            /* retry a failed load for a new session */
            pad->state = NGX_PAD_LOADING;
            goto load;
        }

        pad->refs++;
        return pad;
    }

    if (ngx_pad_engine->npads >= ngx_pad_engine->conf->max_pads) {
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: pad_max_pads (%ui) reached, refusing \"%V\"",
                      ngx_pad_engine->conf->max_pads, id);
        return NULL;
    }

    pad = ngx_calloc(sizeof(ngx_pad_pad_t) + id->len, ngx_pad_engine->log);
    if (pad == NULL) {
        return NULL;
    }

    pad->window_size = ngx_pad_engine->conf->window;
    pad->window_cap = ngx_min(16, pad->window_size);
    pad->window = ngx_calloc(pad->window_cap * sizeof(ngx_pad_rev_t),
                             ngx_pad_engine->log);
    if (pad->window == NULL) {
        ngx_free(pad);
        return NULL;
    }

    pad->id.data = (u_char *) (pad + 1);
    pad->id.len = id->len;
    ngx_memcpy(pad->id.data, id->data, id->len);

    pad->node.key = hash;
    pad->head = -1;
    pad->first_rev = -1;
    pad->chat_head = -1;
    pad->want_head = -1;
    pad->state = NGX_PAD_LOADING;

    ngx_queue_init(&pad->sessions);
    ngx_queue_init(&pad->waiters);
    ngx_queue_init(&pad->commits);

    pad->flush_ev.handler = ngx_pad_engine->pad_flush;
    pad->flush_ev.data = pad;
    pad->flush_ev.log = ngx_pad_engine->log;

    pad->ready_ev.handler = ngx_pad_engine->pad_ready;
    pad->ready_ev.data = pad;
    pad->ready_ev.log = ngx_pad_engine->log;

    pad->hist.data = pad->hist_buf;

    ngx_rbtree_insert(&ngx_pad_engine->pads, &pad->node);
    ngx_pad_engine->npads++;
    ngx_pad_metric_inc(NGX_PAD_M_PADS_LOADED);

load:

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": loading (%ui pads)", &pad->id,
                   ngx_pad_engine->npads);

    pad->refs++;

    if (!pad->subscribed) {
        if (ngx_pad_pstore_subscribe(pad, ngx_pad_engine->pad_channel, pad)
            == NGX_OK)
        {
            pad->subscribed = 1;
        }
    }

    pad->refs++;

    if (ngx_pad_pstore_load(pad, ngx_pad_pad_loaded, pad) != NGX_OK) {
        pad->refs--;
        pad->state = NGX_PAD_FAILED;
    }

    return pad;
}


void
ngx_pad_pad_release(ngx_pad_pad_t *pad)
{
    if (--pad->refs > 0) {
        return;
    }

    ngx_pad_pad_free(pad);
}


static void
ngx_pad_pad_free(ngx_pad_pad_t *pad)
{
    if (pad->subscribed) {
        ngx_pad_pstore_unsubscribe(pad);
    }

    if (pad->flush_ev.posted) {
        ngx_delete_posted_event(&pad->flush_ev);
    }

    if (pad->ready_ev.posted) {
        ngx_delete_posted_event(&pad->ready_ev);
    }

    if (ngx_pad_engine->pad_cleanup) {
        ngx_pad_engine->pad_cleanup(pad);
    }

    ngx_pad_pstore_cleanup(pad);

    ngx_pad_pad_window_free(pad);

    if (pad->batch) {
        ngx_pad_payload_unref(pad->batch);
    }

    json_decref(pad->authors);
    ngx_free((void *) pad->atext.text.data);
    ngx_free((void *) pad->atext.attribs.data);

    if (pad->pool) {
        ngx_pad_pool_destroy(pad->pool);
    }

    ngx_pad_pad_detach(pad);

    ngx_free(pad);
}


/*
 * Out of the registry (once): the next ngx_pad_pad_get() of the id loads
 * a new copy, while this one lives on until its last reference goes.
 */

void
ngx_pad_pad_detach(ngx_pad_pad_t *pad)
{
    if (pad->detached) {
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": out of the registry", &pad->id);

    pad->detached = 1;
    ngx_rbtree_delete(&ngx_pad_engine->pads, &pad->node);
    ngx_pad_engine->npads--;
    ngx_pad_metric_dec(NGX_PAD_M_PADS_LOADED);
}


/*
 * The load finished (ngx_pad_pstore_load.c set the base and applied
 * the revisions after it): the waiters join (or fail) from the pad's
 * ready event.
 */

static void
ngx_pad_pad_loaded(void *data, ngx_int_t rc)
{
    ngx_pad_pad_t    *pad = data;
    ngx_pad_state_e   state;

    state = (rc == NGX_OK) ? NGX_PAD_READY : NGX_PAD_FAILED;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": load ended: %s, head %L", &pad->id,
                   ngx_pad_pad_state_name(state), pad->head);

    pad->state = state;

    if (rc == NGX_OK) {
        pad->load_errors = 0;

    } else {
        pad->load_errors++;
    }

    pad->load_ended = 1;
    ngx_pad_pad_post_ready(pad);

    /* the load's reference */
    ngx_pad_pad_release(pad);
}


/*
 * Something commits or joins wait for changed (the load ended, a
 * catch-up or a repair finished): the upper layer's handler of
 * pad->ready_ev goes on from the event loop; the event holds a
 * reference.
 */

void
ngx_pad_pad_post_ready(ngx_pad_pad_t *pad)
{
    if (pad->ready_ev.posted) {
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": ready event posted", &pad->id);

    pad->refs++;
    ngx_post_event(&pad->ready_ev, &ngx_posted_events);
}


/* a revision number seen on the pad's channel (or after a reconnect) */

void
ngx_pad_pad_published(ngx_pad_pad_t *pad, int64_t rev)
{
    if (rev > pad->want_head) {
        pad->want_head = rev;
    }

    if (pad->state != NGX_PAD_READY || pad->want_head <= pad->head) {
        return;
    }

    ngx_pad_pad_catch_up(pad);
}


/*
 * Reads every revision after head from the store.  Not while a local
 * append is in flight: its reply decides whether the next revision is
 * ours (ACCEPT_COMMIT) or someone else's.
 */

void
ngx_pad_pad_catch_up(ngx_pad_pad_t *pad)
{
    if (pad->catching_up || pad->committing || pad->state != NGX_PAD_READY
        || pad->repair != NGX_PAD_REPAIR_NONE)
    {
        return;
    }

    pad->refs++;
    pad->catching_up = 1;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": catching up from %L to %L", &pad->id,
                   pad->head, pad->want_head);
    pad->catch_from = pad->head;
    pad->catch_want = pad->want_head;

    if (ngx_pad_pstore_catch_up(pad, ngx_pad_pad_caught_up, pad) != NGX_OK) {
        pad->catching_up = 0;
        pad->refs--;
    }
}


static void
ngx_pad_pad_caught_up(void *data, ngx_int_t rc)
{
    ngx_pad_pad_t  *pad = data;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": caught up (%i): head %L", &pad->id, rc,
                   pad->head);

    pad->catching_up = 0;

    if ((rc != NGX_OK || pad->head == pad->catch_from)
        && pad->want_head <= pad->catch_want)
    {
        /*
         * Nothing more in the store (or it failed): what was seen is not
         * there (yet); the next published revision or head check asks
         * again.  No retry loop.
         */
        pad->want_head = pad->head;
    }

    if (rc == NGX_OK && pad->want_head > pad->head
        && ngx_queue_empty(&pad->commits))
    {
        /*
         * Published meanwhile: read again, unless commits wait: then the
         * next append's conflict reply carries the missing revisions (do
         * not chase a busy writer's head with reads while commits wait).
         */
        ngx_pad_pad_catch_up(pad);
    }

    if (!pad->catching_up) {
        ngx_pad_pad_post_ready(pad);
    }

    ngx_pad_pad_release(pad);
}


/*
 * historicalAuthorData: every author of the pool, with the record cached
 * from the store, presence events or local sessions; an author not cached
 * yet is listed with name null and colour 0 and its record is asked for;
 * a "waiter" session is told when each record arrived ("done": it
 * builds CLIENT_VARS again then).
 */

typedef struct {
    ngx_pad_pad_t               *pad;
    ngx_pad_session_t           *waiter;
    ngx_pad_session_handler_pt   done;
} ngx_pad_pad_aget_t;


static void
ngx_pad_pad_author_got(void *data, ngx_int_t rc, ngx_pad_str_t *author,
    json_t *name, json_t *color)
{
    ngx_pad_pad_aget_t  *g = data;

    if (rc == NGX_OK) {
        ngx_pad_pad_author_info(g->pad, author, name, color);
    }

    if (g->waiter) {
        g->done(g->waiter);
    }

    ngx_pad_pad_release(g->pad);
    ngx_free(g);
}


static ngx_int_t
ngx_pad_pad_author_ask(ngx_pad_pad_t *pad, ngx_pad_str_t *author,
    ngx_pad_session_t *waiter, ngx_pad_session_handler_pt done)
{
    ngx_pad_pad_aget_t  *g;

    g = ngx_alloc(sizeof(ngx_pad_pad_aget_t), ngx_pad_engine->log);
    if (g == NULL) {
        return NGX_ERROR;
    }

    g->pad = pad;
    g->waiter = waiter;
    g->done = done;

    pad->refs++;

    if (waiter) {
        waiter->refs++;
    }

    if (ngx_pad_pstore_author_get(author, ngx_pad_pad_author_got, g)
        != NGX_OK)
    {
        pad->refs--;

        if (waiter) {
            waiter->refs--;
        }

        ngx_free(g);
        return NGX_ERROR;
    }

    return NGX_OK;
}


json_t *
ngx_pad_pad_authors_json(ngx_pad_pad_t *pad, ngx_pad_session_t *waiter,
    ngx_pad_session_handler_pt done)
{
    intptr_t       i, n;
    json_t        *o, *rec;
    ngx_pad_str_t  k, v;
    char           buf[NGX_PAD_AUTHOR_MAX + 1];

    if (pad->authors == NULL) {
        pad->authors = json_object();
        if (pad->authors == NULL) {
            return NULL;
        }
    }

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    n = ngx_pad_pool_next_num(pad->pool);

    for (i = 0; i < n; i++) {
        if (ngx_pad_pool_get(pad->pool, i, &k, &v) != 0
            || k.len != 6 || ngx_memcmp(k.data, "author", 6) != 0
            || v.len == 0 || v.len > NGX_PAD_AUTHOR_MAX)
        {
            continue;
        }

        ngx_memcpy(buf, v.data, v.len);
        buf[v.len] = '\0';

        rec = json_object_get(pad->authors, buf);

        if (rec == NULL) {
            rec = json_pack("{s:n,s:i}", "name", "colorId", 0);

            if (rec == NULL
                || json_object_set_new(pad->authors, buf, rec) != 0)
            {
                json_decref(o);
                return NULL;
            }

            if (ngx_pad_pad_author_ask(pad, &v, waiter, done) == NGX_OK
                && waiter)
            {
                waiter->authors_pending++;
            }
        }

        if (json_object_set(o, buf, rec) != 0) {
            json_decref(o);
            return NULL;
        }
    }

    return o;
}


void
ngx_pad_pad_author_info(ngx_pad_pad_t *pad, ngx_pad_str_t *author,
    json_t *name, json_t *color)
{
    json_t  *rec;
    char     buf[NGX_PAD_AUTHOR_MAX + 1];

    if (author->len == 0 || author->len > NGX_PAD_AUTHOR_MAX) {
        return;
    }

    if (pad->authors == NULL) {
        pad->authors = json_object();
        if (pad->authors == NULL) {
            return;
        }
    }

    ngx_memcpy(buf, author->data, author->len);
    buf[author->len] = '\0';

    rec = json_pack("{s:O,s:o}", "name", name ? name : json_null(),
                    "colorId", color ? json_incref(color) : json_integer(0));

    if (rec) {
        (void) json_object_set_new(pad->authors, buf, rec);
    }
}


/* sends data to every joined session of the pad but one (local only) */

void
ngx_pad_pad_broadcast(ngx_pad_pad_t *pad, ngx_pad_session_t *except,
    json_t *data)
{
    ngx_queue_t        *q, *next;
    ngx_pad_payload_t  *p;
    ngx_pad_session_t  *sess;

    p = ngx_pad_json_payload(data);
    if (p == NULL) {
        return;
    }

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = next)
    {
        next = ngx_queue_next(q);
        sess = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (sess == except || sess->socket == NULL) {
            continue;
        }

        (void) ngx_pad_socket_emit_payload(sess->socket, p);
    }

    ngx_pad_payload_unref(p);
}
