
/*
 * ngx_pad_module: ordered fan-out of revisions to sessions.
 *
 * ngx_pad_fanout_session() is the only writer of a joined session's
 * cursor: it takes revisions sent_rev + 1 .. head in order, queues their
 * bytes, and only then moves sent_rev (invariant 2).  The session's own
 * revision becomes ACCEPT_COMMIT, which therefore always follows
 * revision N - 1 in the stream (invariant 3).  When the queue has no room
 * the session simply stops; the transport's "writable" callback resumes
 * it from the cursor, so a slow reader catches up later, with a batch
 * when it opted in.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "pad/ngx_pad_engine.h"


#define NGX_PAD_BATCH_ITEMS_MAX  1024


ngx_pad_payload_t *
ngx_pad_fanout_json_payload(json_t *data)
{
    json_t             *args;
    ngx_pad_payload_t  *p;

    args = json_pack("[sO]", "message", data);
    if (args == NULL) {
        return NULL;
    }

    p = ngx_pad_sio_event_payload(args, ngx_pad_engine->log);

    json_decref(args);

    return p;
}


void
ngx_pad_fanout_pad(ngx_pad_pad_t *pad)
{
    ngx_queue_t        *q, *next;
    ngx_pad_session_t  *sess;

    pad->refs++;

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = next)
    {
        next = ngx_queue_next(q);
        sess = ngx_queue_data(q, ngx_pad_session_t, queue);

        sess->refs++;
        ngx_pad_fanout_session(sess);
        ngx_pad_session_unref(sess);
    }

    ngx_pad_pad_release(pad);
}


/* may a payload of len bytes be queued now? */

static ngx_int_t
ngx_pad_fanout_fits(ngx_pad_session_t *sess, size_t len)
{
    if (ngx_pad_socket_queued(sess->socket) == 0) {
        return 1;
    }

    return ngx_pad_socket_room(sess->socket) >= len;
}


static ngx_int_t
ngx_pad_fanout_accept(ngx_pad_session_t *sess, int64_t rev)
{
    json_t             *j;
    ngx_int_t           rc;
    ngx_pad_payload_t  *p;

    j = ngx_pad_msg_accept_commit(rev);
    if (j == NULL) {
        return NGX_ERROR;
    }

    p = ngx_pad_fanout_json_payload(j);
    json_decref(j);

    if (p == NULL) {
        return NGX_ERROR;
    }

    if (!ngx_pad_fanout_fits(sess, p->len)) {
        ngx_pad_payload_unref(p);
        return NGX_AGAIN;
    }

    rc = ngx_pad_socket_emit_payload(sess->socket, p);

    ngx_pad_payload_unref(p);

    return rc;
}


static ngx_pad_payload_t *
ngx_pad_fanout_batch(ngx_pad_pad_t *pad, int64_t from, int64_t to)
{
    size_t              n, i, size, lens[NGX_PAD_BATCH_ITEMS_MAX];
    const char         *items[NGX_PAD_BATCH_ITEMS_MAX];
    ngx_pad_rev_t      *r;
    ngx_pad_payload_t  *p;

    if (pad->batch && pad->batch_from == from && pad->batch_to == to) {
        return ngx_pad_payload_ref(pad->batch);
    }

    n = (size_t) (to - from + 1);

    for (i = 0; i < n; i++) {
        r = ngx_pad_pad_rev(pad, from + i);
        if (r == NULL) {
            return NULL;
        }

        items[i] = r->item;
        lens[i] = r->item_len;
    }

    size = ngx_pad_msg_batch_packet(NULL, items, lens, n);

    p = ngx_pad_payload_alloc(size, ngx_pad_engine->log);
    if (p == NULL) {
        return NULL;
    }

    (void) ngx_pad_msg_batch_packet(p->data, items, lens, n);

    /* keep it: sockets behind by the same range share it */

    if (pad->batch) {
        ngx_pad_payload_unref(pad->batch);
    }

    pad->batch = ngx_pad_payload_ref(p);
    pad->batch_from = from;
    pad->batch_to = to;

    return p;
}


void
ngx_pad_fanout_session(ngx_pad_session_t *sess)
{
    int64_t             r, k, max;
    ngx_int_t           rc;
    ngx_pad_pad_t      *pad;
    ngx_pad_rev_t      *rev, *next;
    ngx_pad_payload_t  *p;

    pad = sess->pad;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINED
        || pad == NULL)
    {
        return;
    }

    max = ngx_pad_engine->conf->batch_max;

    if (max > NGX_PAD_BATCH_ITEMS_MAX) {
        max = NGX_PAD_BATCH_ITEMS_MAX;
    }

    while (sess->sent_rev < pad->head) {
        r = sess->sent_rev + 1;

        rev = ngx_pad_pad_rev(pad, r);

        if (rev == NULL) {
            ngx_log_error(NGX_LOG_WARN, ngx_pad_socket_log(sess->socket), 0,
                          "pad: \"%V\": session fell out of the revision "
                          "window at %L (head %L), disconnecting",
                          &pad->id, r, pad->head);
            ngx_pad_session_disconnect(sess, "looping");
            return;
        }

        if (rev->origin == sess->serial) {
            rc = ngx_pad_fanout_accept(sess, r);

            if (rc != NGX_OK) {
                return;
            }

            sess->sent_rev = r;
            continue;
        }

        /* a run of others' revisions r..k */

        k = r;

        if (ngx_pad_engine->conf->batch && sess->batch) {
            while (k < pad->head && k - r + 1 < max) {
                next = ngx_pad_pad_rev(pad, k + 1);

                if (next == NULL || next->origin == sess->serial) {
                    break;
                }

                k++;
            }
        }

        if (k > r) {
            p = ngx_pad_fanout_batch(pad, r, k);
            if (p == NULL) {
                return;
            }

            if (!ngx_pad_fanout_fits(sess, p->len)) {
                ngx_pad_payload_unref(p);
                return;
            }

            rc = ngx_pad_socket_emit_payload(sess->socket, p);
            ngx_pad_payload_unref(p);

            if (rc != NGX_OK) {
                return;
            }

            ngx_pad_engine->batches++;
            sess->sent_rev = k;
            continue;
        }

        if (!ngx_pad_fanout_fits(sess, rev->payload->len)) {
            return;
        }

        if (ngx_pad_socket_emit_payload(sess->socket, rev->payload)
            != NGX_OK)
        {
            return;
        }

        sess->sent_rev = r;
    }

    if (sess->noop_accept) {
        /* a commit that changed nothing: accepted at the current head */

        if (ngx_pad_fanout_accept(sess, sess->sent_rev) == NGX_OK) {
            sess->noop_accept = 0;
        }
    }
}
