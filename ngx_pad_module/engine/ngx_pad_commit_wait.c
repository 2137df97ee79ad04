
/*
 * ngx_pad_module: a pad's commits waiting through a Redis outage (the
 * state of the wait; ngx_pad_commit.c decides when and retries): whether
 * a commit may wait (pad_commit_timeout since it arrived,
 * pad_commit_wait_max per worker), the back-off timer, the count of
 * waiting commits, the once-per-outage log, whether a stored record is a
 * commit's own append, and dropping a commit's prepared state.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


#define NGX_PAD_COMMIT_WAIT_MIN  100      /* ms, doubling */
#define NGX_PAD_COMMIT_WAIT_MAX  1000


/* the rebased changeset, its text and new pool: prepared again later */

void
ngx_pad_commit_drop_prepared(ngx_pad_commit_t *c)
{
    ngx_free(c->rebased.data);
    ngx_free((void *) c->atext.text.data);
    ngx_free((void *) c->atext.attribs.data);

    c->rebased.data = NULL;
    c->atext.text.data = NULL;
    c->atext.attribs.data = NULL;

    if (c->pool) {
        ngx_pad_pool_destroy(c->pool);
        c->pool = NULL;
    }
}


ngx_uint_t
ngx_pad_commit_may_wait(ngx_pad_pad_t *pad, ngx_pad_commit_t *c)
{
    ngx_pad_engine_conf_t  *conf;

    conf = ngx_pad_engine->conf;

    if (ngx_pad_engine->exiting || pad->detached
        || pad->state != NGX_PAD_READY
        || ngx_current_msec - c->arrived >= conf->commit_timeout)
    {
        return 0;
    }

    if (!pad->outage
        && ngx_pad_engine->commits_waiting + pad->ncommits
           > conf->commit_wait_max)
    {
        return 0;
    }

    return 1;
}


/* the FIFO waits; n: the failed group whose revision c->rev is unknown */

void
ngx_pad_commit_wait(ngx_pad_pad_t *pad, ngx_uint_t n,
    ngx_event_handler_pt handler)
{
    ngx_msec_t  delay;

    if (!pad->outage) {
        pad->outage = 1;
        ngx_pad_engine->commits_waiting += pad->ncommits;
        ngx_pad_metric_add(NGX_PAD_M_COMMITS_WAITING,
                           (ngx_int_t) pad->ncommits);
    }

    if (!ngx_pad_engine->outage_logged) {
        ngx_pad_engine->outage_logged = 1;
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: Redis is unavailable, commits wait up to "
                      "pad_commit_timeout (%M ms) and retry (first: pad "
                      "\"%V\")", ngx_pad_engine->conf->commit_timeout,
                      &pad->id);
    }

    /* no applied revision in front of the unknown one, no append */
    pad->committing = 1;
    pad->outage_n = n;
    pad->ninflight = n;

    delay = NGX_PAD_COMMIT_WAIT_MIN << ngx_min(pad->outage_tries, 4);
    delay = ngx_min(delay, NGX_PAD_COMMIT_WAIT_MAX);
    delay += ngx_random() % (delay / 4 + 1);
    pad->outage_tries++;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": commit: waiting for Redis %M ms (%ui to "
                   "check)", &pad->id, delay, n);

    pad->outage_ev.handler = handler;
    pad->outage_ev.data = pad;
    pad->outage_ev.log = ngx_pad_engine->log;
    pad->outage_ev.cancelable = 1;

    ngx_add_timer(&pad->outage_ev, delay);
    pad->refs++;
}


/* 1: the stored record is the commit's (its changeset, by its author) */

ngx_uint_t
ngx_pad_commit_is_mine(ngx_pad_commit_t *c, ngx_str_t *item, int64_t *ts)
{
    json_t         *j, *t;
    ngx_uint_t      mine;
    ngx_pad_str_t   cs, author;

    j = json_loadb((char *) item->data, item->len, 0, NULL);
    t = j ? json_object_get(j, "ts") : NULL;

    mine = j != NULL && json_is_integer(t)
           && json_is_integer(json_object_get(j, "rev"))
           && json_integer_value(json_object_get(j, "rev")) == c->rev
           && ngx_pad_msg_get_str(j, "cs", &cs) == 0
           && ngx_pad_msg_get_str(j, "author", &author) == 0
           && cs.len == c->rebased.len
           && ngx_memcmp(cs.data, c->rebased.data, cs.len) == 0
           && author.len == c->session->author_len
           && ngx_memcmp(author.data, c->session->author, author.len) == 0;

    if (mine) {
        *ts = json_integer_value(t);
    }

    json_decref(j);

    return mine;
}


/* the wait is over; keep: the group was stored (its prepared state) */

void
ngx_pad_commit_wait_end(ngx_pad_pad_t *pad, ngx_uint_t keep)
{
    ngx_uint_t         i;
    ngx_queue_t       *q;
    ngx_pad_commit_t  *g;

    ngx_pad_engine->commits_waiting -= pad->ncommits;
    ngx_pad_metric_add(NGX_PAD_M_COMMITS_WAITING,
                       -(ngx_int_t) pad->ncommits);

    for (i = 0, q = ngx_queue_head(&pad->commits);
         !keep && i < pad->outage_n && q != ngx_queue_sentinel(&pad->commits);
         i++, q = ngx_queue_next(q))
    {
        /* prepared on a head that may have moved; tried: goes alone */
        g = ngx_queue_data(q, ngx_pad_commit_t, queue);
        ngx_pad_commit_drop_prepared(g);
        g->tries++;
    }

    pad->outage = 0;
    pad->outage_n = 0;
    pad->outage_tries = 0;
    pad->committing = 0;
    pad->ninflight = 0;
}
