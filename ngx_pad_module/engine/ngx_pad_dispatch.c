
/*
 * ngx_pad_module: the dispatch of the transport's callbacks to the pad
 * engine (connected, event: the routing of Etherpad's messages,
 * writable, closed), and the replay of the messages that arrived while a
 * session was joining (a posted event, sess->replay_ev).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


static void ngx_pad_dispatch_replay(ngx_event_t *ev);


/* callbacks */

ngx_int_t
ngx_pad_dispatch_connected(ngx_pad_socket_t *s)
{
    ngx_pad_session_t  *sess;

    if (ngx_pad_engine == NULL) {
        return NGX_ERROR;
    }

    sess = ngx_pad_session_create(s, ngx_pad_dispatch_replay);
    if (sess == NULL) {
        return NGX_ERROR;
    }

    ngx_pad_socket_set_data(s, sess);

    return NGX_OK;
}


void
ngx_pad_dispatch_event(ngx_pad_socket_t *s, json_t *args, int64_t ack_id)
{
    ngx_int_t           rc;
    const char         *name, *err;
    ngx_pad_msg_t       m;
    ngx_pad_session_t  *sess;

    sess = ngx_pad_socket_get_data(s);
    if (sess == NULL) {
        return;
    }

    name = json_string_value(json_array_get(args, 0));

    if (name == NULL || ngx_strcmp(name, "message") != 0) {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(s), 0,
                      "pad: ignoring socket.io event \"%s\"",
                      name ? name : "(not a string)");
        return;
    }

    if (sess->state == NGX_PAD_SESSION_JOINING
        || (sess->nearly && !sess->draining))
    {
        /*
         * One socket's messages are handled in order: kept for later
         * while joining, and while earlier ones wait for their replay.
         */

        if (sess->nearly == NGX_PAD_EARLY_MAX) {
            ngx_pad_session_refuse(sess, ack_id, "too many messages before "
                                   "CLIENT_VARS");
            return;
        }

        sess->early[sess->nearly] = json_incref(args);
        sess->early_ack[sess->nearly] = ack_id;
        sess->nearly++;
        return;
    }

    err = NULL;

    if (ngx_pad_msg_parse(json_array_get(args, 1), &m, &err) != 0) {
        ngx_pad_session_refuse(sess, ack_id, err);

        if (m.type == NGX_PAD_MSG_USER_CHANGES
            && sess->state == NGX_PAD_SESSION_JOINED && !sess->readonly)
        {
            ngx_pad_engine->rejected++;
            ngx_pad_metric_inc(NGX_PAD_M_REFUSED_BAD_CHANGESET);
            ngx_pad_session_disconnect(sess, "badChangeset");
        }

        return;
    }

    if (m.type == NGX_PAD_MSG_CLIENT_READY) {
        ngx_pad_session_ready(sess, &m, ack_id);
        return;
    }

    if (sess->state != NGX_PAD_SESSION_JOINED) {
        ngx_pad_session_refuse(sess, ack_id, "pre-CLIENT_READY message");
        return;
    }

    if (sess->readonly && m.type != NGX_PAD_MSG_CHANGESET_REQ) {
        if (m.type == NGX_PAD_MSG_USER_CHANGES) {
            ngx_pad_metric_inc(NGX_PAD_M_REFUSED_READ_ONLY);
        }

        ngx_pad_session_refuse(sess, ack_id,
                               "COLLABROOM: write attempt on read-only pad");
        return;
    }

    switch (m.type) {

    case NGX_PAD_MSG_USER_CHANGES:
        if (ngx_pad_commit_add(sess, &m) != NGX_OK) {
            ngx_pad_engine->rejected++;
            ngx_pad_metric_inc(NGX_PAD_M_REFUSED_BAD_CHANGESET);
            ngx_pad_session_disconnect(sess, "badChangeset");
        }

        break;

    case NGX_PAD_MSG_USERINFO_UPDATE:
        ngx_pad_session_userinfo(sess, &m);
        break;

    case NGX_PAD_MSG_CHAT_MESSAGE:
        ngx_pad_session_chat_add(sess, &m);
        break;

    case NGX_PAD_MSG_GET_CHAT_MESSAGES:
        sess->refs++;

        if (ngx_pad_pstore_chat_get(sess->pad, m.start, m.end,
                                    ngx_pad_session_chat, sess)
            != NGX_OK)
        {
            sess->refs--;
            ngx_pad_session_refuse(sess, ack_id, "chat is unavailable");
        }

        break;

    case NGX_PAD_MSG_CHANGESET_REQ:
        rc = ngx_pad_csreq_start(sess, &m);

        if (rc == NGX_DECLINED) {
            ngx_pad_session_refuse(sess, ack_id, "CHANGESET_REQ: start is "
                                   "higher than the head revision, or "
                                   "two requests are already running");

        } else if (rc != NGX_OK) {
            ngx_pad_session_refuse(sess, ack_id, "CHANGESET_REQ failed");
        }

        break;

    case NGX_PAD_MSG_SAVE_REVISION:
        if (ngx_pad_padinfo_save(sess) != NGX_OK) {
            ngx_pad_session_refuse(sess, ack_id, "SAVE_REVISION failed");
        }

        break;

    case NGX_PAD_MSG_CLIENT_MESSAGE:
        if (ngx_pad_session_client_message(sess, json_array_get(args, 1))
            != NGX_OK)
        {
            ngx_pad_session_refuse(sess, ack_id, "unknown CLIENT_MESSAGE");
        }

        break;

    default:
        ngx_pad_session_refuse(sess, ack_id, "unknown message type");
        break;
    }
}


void
ngx_pad_dispatch_writable(ngx_pad_socket_t *s)
{
    ngx_pad_session_t  *sess;

    sess = ngx_pad_socket_get_data(s);

    if (sess) {
        ngx_pad_fanout_session(sess);
    }
}


void
ngx_pad_dispatch_closed(ngx_pad_socket_t *s, const char *reason)
{
    ngx_pad_session_t  *sess;

    sess = ngx_pad_socket_get_data(s);
    if (sess == NULL) {
        return;
    }

    ngx_pad_socket_set_data(s, NULL);

    if (sess->state == NGX_PAD_SESSION_JOINED) {
        ngx_pad_session_detach(sess);
    }

    sess->socket = NULL;
    ngx_pad_session_set_state(sess, NGX_PAD_SESSION_GONE);

    ngx_pad_session_unref(sess);
}


/*
 * The messages that arrived while joining, replayed in order once the
 * join is over (posted by ngx_pad_session_set_state(), which took a
 * reference for it).
 */

static void
ngx_pad_dispatch_drain(ngx_pad_session_t *sess)
{
    json_t      *args;
    int64_t      ack;
    ngx_uint_t   i, n;

    n = sess->nearly;

    for (i = 0; i < n; i++) {
        args = sess->early[i];
        ack = sess->early_ack[i];
        sess->early[i] = NULL;

        if (sess->socket) {
            /* queued again if a replayed CLIENT_READY started a join */
            ngx_pad_dispatch_event(sess->socket, args, ack);
        }

        json_decref(args);
    }

    /* a message replayed above may have queued more (a new join) */

    if (sess->nearly > n) {
        ngx_memmove(sess->early, &sess->early[n],
                    (sess->nearly - n) * sizeof(json_t *));
        ngx_memmove(sess->early_ack, &sess->early_ack[n],
                    (sess->nearly - n) * sizeof(int64_t));
    }

    sess->nearly -= n;
}


static void
ngx_pad_dispatch_replay(ngx_event_t *ev)
{
    ngx_pad_session_t  *sess = ev->data;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: session %uL: replaying %ui messages (%s)",
                   sess->serial, sess->nearly,
                   ngx_pad_session_state_name(sess->state));

    if (sess->nearly && !sess->draining && sess->socket
        && sess->state != NGX_PAD_SESSION_JOINING)
    {
        sess->draining = 1;
        ngx_pad_dispatch_drain(sess);
        sess->draining = 0;
    }

    ngx_pad_session_unref(sess);
}


/*
 * The pad's ready event (ngx_pad_pad_post_ready()): its load ended, a
 * catch-up or a repair finished.  The sessions waiting for the load join
 * (or fail), in order; a load that succeeded reads what was published
 * meanwhile and compares again if asked to; the commits go on.
 */

void
ngx_pad_dispatch_pad_ready(ngx_event_t *ev)
{
    ngx_queue_t        *q;
    ngx_pad_pad_t      *pad;
    ngx_pad_session_t  *sess;

    pad = ev->data;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": ready (%s), %ui commits queued", &pad->id,
                   ngx_pad_pad_state_name(pad->state), pad->ncommits);

    if (pad->state != NGX_PAD_LOADING) {

        /* every waiter joins now, or fails; waiters hold pad references */

        while (!ngx_queue_empty(&pad->waiters)) {
            q = ngx_queue_head(&pad->waiters);
            ngx_queue_remove(q);
            sess = ngx_queue_data(q, ngx_pad_session_t, queue);
            sess->in_list = 0;

            if (pad->state == NGX_PAD_READY) {
                ngx_pad_session_joined(sess);

            } else {
                ngx_pad_session_join_failed(sess, "unavailable");
            }
        }
    }

    if (pad->load_ended) {
        pad->load_ended = 0;

        if (pad->state == NGX_PAD_READY && pad->want_head > pad->head) {
            ngx_pad_pad_catch_up(pad);
        }

        if (pad->state == NGX_PAD_READY && pad->recheck) {
            /* a resubscribe or reset during the load: compare again */
            ngx_pad_repair_check(pad);
        }
    }

    ngx_pad_commit_next(pad);

    /* the event's reference */
    ngx_pad_pad_release(pad);
}
