
/*
 * ngx_pad_module: CLIENT_READY's access decision (Etherpad's checkAccess
 * through ngx_pad_module/authz/) and the author of the join: the
 * session's author when a session of the pad's group granted it, else
 * the token's (created once).  A denial answers {"accessStatus":"deny"},
 * the same for a missing and a forbidden pad, logged once at info with
 * its reason; the socket stays, as in Etherpad, and may send
 * CLIENT_READY again.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


static void ngx_pad_session_decided(void *data, ngx_int_t rc,
    ngx_pad_access_t *a, ngx_str_t *author);
static void ngx_pad_session_author_info(void *data, ngx_int_t rc,
    ngx_pad_str_t *author, json_t *name, json_t *color);
static void ngx_pad_session_join_timer(ngx_event_t *ev);


/*
 * The credentials of CLIENT_READY kept in the session: the token (the
 * message's, else the "token" cookie) and the sessionID lists (the
 * message's, as Etherpad 2.x's page sends it, then the "sessionID"
 * cookie, %-decoded as Etherpad's cookie parser does).
 */

ngx_int_t
ngx_pad_session_credentials(ngx_pad_session_t *sess, ngx_pad_msg_t *m)
{
    u_char         *p, *src;
    ngx_str_t       cookie, sid;
    ngx_pad_str_t   token;

    token = m->token;

    if (token.len == 0
        && ngx_pad_socket_cookie(sess->socket, "token", &cookie) == NGX_OK)
    {
        token.data = (const char *) cookie.data;
        token.len = cookie.len;
    }

    sess->token_ok = ngx_pad_msg_token_valid(&token) ? 1 : 0;
    sess->token_len = sess->token_ok ? token.len : 0;
    ngx_memcpy(sess->token, token.data, sess->token_len);

    if (ngx_pad_socket_cookie(sess->socket, "sessionID", &sid) != NGX_OK) {
        sid.len = 0;
    }

    ngx_free(sess->sids);
    sess->sids = NULL;
    sess->sids_len = 0;

    if (m->session_id.len + sid.len == 0) {
        return NGX_OK;
    }

    /* bounded: only the first NGX_PAD_ACCESS_IDS_MAX ids are read */

    sess->sids = ngx_alloc(ngx_min(m->session_id.len, 4096)
                           + ngx_min(sid.len, 4096) + 1,
                           ngx_pad_socket_log(sess->socket));
    if (sess->sids == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(sess->sids, m->session_id.data,
                   ngx_min(m->session_id.len, 4096));

    if (sid.len) {
        *p++ = ',';
        src = sid.data;
        ngx_unescape_uri(&p, &src, ngx_min(sid.len, 4096), 0);
    }

    sess->sids_len = p - sess->sids;

    return NGX_OK;
}


/* holds the join's reference; the author goes to sess->author_handler */

void
ngx_pad_session_access(ngx_pad_session_t *sess,
    ngx_pad_pstore_author_pt handler)
{
    ngx_str_t               none;
    ngx_pad_access_t        a;
    ngx_pad_str_t           ids[NGX_PAD_ACCESS_IDS_MAX];
    ngx_uint_t              i;
    ngx_pad_authz_input_t   in;

    sess->author_handler = handler;
    sess->author_data = sess;

    ngx_memzero(&in, sizeof(ngx_pad_authz_input_t));

    if (sess->readonly) {
        in.pad.data = sess->real_id;
        in.pad.len = sess->real_id_len;

    } else {
        in.pad.data = sess->asked_id;
        in.pad.len = sess->asked_id_len;
    }

    in.readonly_id = sess->readonly;
    in.token_ok = sess->token_ok;
    in.token.data = sess->token;
    in.token.len = sess->token_len;
    ngx_str_set(&in.kind, "socket");
    ngx_pad_socket_cookies(sess->socket, &in.cookie);
    ngx_pad_socket_addr(sess->socket, &in.addr);

    in.nids = ngx_pad_access_session_ids((const char *) sess->sids,
                                         sess->sids_len, ids, 0,
                                         NGX_PAD_ACCESS_IDS_MAX);

    for (i = 0; i < in.nids; i++) {
        in.ids[i].data = (u_char *) ids[i].data;
        in.ids[i].len = ids[i].len;
    }

    if (!ngx_pad_authz_needed(&in)) {
        ngx_pad_authz_decide_now(&in, &a);
        ngx_str_null(&none);
        ngx_pad_session_decided(sess, NGX_OK, &a, &none);
        return;
    }

    if (ngx_pad_engine->exiting
        || ngx_pad_authz_ask(&in, ngx_pad_socket_log(sess->socket),
                             ngx_pad_session_decided, sess)
           == NULL)
    {
        ngx_pad_session_join_unavailable(sess);
    }

    /* the join reference waits with the decision */
}


/* CLIENT_READY refused: {"accessStatus":"deny"}, whatever the reason */

void
ngx_pad_session_deny(ngx_pad_session_t *sess, const char *reason)
{
    json_t  *deny;

    ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                  "pad: CLIENT_READY for \"%*s\" denied: %s",
                  sess->asked_id_len, sess->asked_id, reason);

    ngx_pad_metric_inc(NGX_PAD_M_JOINS_REFUSED);
    ngx_pad_session_set_state(sess, NGX_PAD_SESSION_NEW);

    deny = ngx_pad_msg_deny();
    ngx_pad_session_emit(sess, deny);
    json_decref(deny);
}


static void
ngx_pad_session_decided(void *data, ngx_int_t rc, ngx_pad_access_t *a,
    ngx_str_t *author)
{
    ngx_pad_str_t       id;
    ngx_pad_session_t  *sess = data;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        ngx_pad_session_unref(sess);
        return;
    }

    if (rc != NGX_OK) {
        ngx_pad_session_join_unavailable(sess);
        return;
    }

    if (a->status == NGX_PAD_ACCESS_DENY) {
        ngx_pad_session_deny(sess, a->reason);
        ngx_pad_session_unref(sess);
        return;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, ngx_pad_socket_log(sess->socket), 0,
                   "pad: CLIENT_READY for \"%*s\": %s",
                   sess->asked_id_len, sess->asked_id, a->reason);

    if (a->status == NGX_PAD_ACCESS_READONLY && !sess->readonly) {
        /* the site's check made it read-only: the pad as asked */
        sess->readonly = 1;
        ngx_memcpy(sess->real_id, sess->asked_id, sess->asked_id_len);
        sess->real_id_len = sess->asked_id_len;
    }

    if (author->len) {
        /* Etherpad: the session's author instead of the token's */

        id.data = (const char *) author->data;
        id.len = author->len;

        if (ngx_pad_pstore_author_get(&id, ngx_pad_session_author_info,
                                      sess)
            != NGX_OK)
        {
            ngx_pad_session_join_unavailable(sess);
        }

        return;
    }

    id.data = (const char *) sess->token;
    id.len = sess->token_len;

    if (ngx_pad_pstore_author(sess, &id, sess->author_handler, sess)
        != NGX_OK)
    {
        ngx_pad_session_join_unavailable(sess);
    }
}


/* the session author's record (NGX_DECLINED: none yet, it is written) */

static void
ngx_pad_session_author_info(void *data, ngx_int_t rc,
    ngx_pad_str_t *author, json_t *name, json_t *color)
{
    json_t             *rec;
    ngx_pad_session_t  *sess = data;

    if (rc == NGX_DECLINED) {
        rc = NGX_OK;
        name = NULL;
        color = NULL;
    }

    rec = NULL;

    if (rc == NGX_OK) {
        rec = json_pack("{s:O?,s:O?}", "colorId", color, "name", name);

        if (rec == NULL) {
            rc = NGX_ERROR;
        }
    }

    sess->author_handler(sess->author_data, rc, author, rec);

    json_decref(rec);
}


/*
 * A join step could not read Redis.  During an outage (the command
 * connection is down: unreachable, restarting, stalled past
 * pad_redis_command_timeout) the join waits, with a back-off that sends
 * nothing while the connection is down, and starts again from its first
 * step once Redis answers, within pad_join_timeout of CLIENT_READY;
 * otherwise, or after it, {"disconnect":"unavailable"} as before.  Holds
 * (and in the end drops) the join reference.
 */

void
ngx_pad_session_join_unavailable(ngx_pad_session_t *sess)
{
    ngx_msec_t  delay;

    if (sess->socket && sess->state == NGX_PAD_SESSION_JOINING
        && sess->join_restart && !ngx_pad_engine->exiting
        && !ngx_pad_store_available()
        && ngx_current_msec - sess->join_started
           < ngx_pad_engine->conf->join_timeout)
    {
        if (sess->join_tries == 0) {
            ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                          "pad: CLIENT_READY for \"%*s\" waits for Redis",
                          sess->asked_id_len, sess->asked_id);
        }

        delay = 100 << ngx_min(sess->join_tries, 3);
        delay += ngx_random() % (delay / 4 + 1);
        sess->join_tries++;

        sess->join_ev.handler = ngx_pad_session_join_timer;
        sess->join_ev.data = sess;
        sess->join_ev.log = ngx_pad_engine->log;
        sess->join_ev.cancelable = 1;
        ngx_add_timer(&sess->join_ev, delay);
        return;
    }

    if (sess->socket && sess->state == NGX_PAD_SESSION_JOINING) {
        ngx_pad_session_set_state(sess, NGX_PAD_SESSION_NEW);
        ngx_pad_session_disconnect(sess, "unavailable");
    }

    ngx_pad_session_unref(sess);
}


static void
ngx_pad_session_join_timer(ngx_event_t *ev)
{
    ngx_pad_session_t  *sess = ev->data;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        ngx_pad_session_unref(sess);
        return;
    }

    if (!ngx_pad_store_available()) {
        /* waits on, or gives up past pad_join_timeout */
        ngx_pad_session_join_unavailable(sess);
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, ngx_pad_socket_log(sess->socket), 0,
                   "pad: CLIENT_READY for \"%*s\": joining again",
                   sess->asked_id_len, sess->asked_id);

    sess->join_restart(sess);
}
