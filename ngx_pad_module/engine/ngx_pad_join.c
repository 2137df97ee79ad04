
/*
 * ngx_pad_module: joining a pad.
 *
 * CLIENT_READY: pad id (sanitized; an r. id resolved to its pad) ->
 * access (ngx_pad_join_access.c: Etherpad's checkAccess) -> author (the
 * session's, else the token's, created once) -> pad (loaded once per
 * worker) -> userdup
 * for an older socket of the same author -> CLIENT_VARS (or the
 * CLIENT_RECONNECT catch-up) built from the pad's head in the same event
 * loop tick that puts the session in the pad's list with sent_rev = head,
 * so no revision can fall in between -> USER_NEWINFO both ways.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


static void ngx_pad_session_author(void *data, ngx_int_t rc,
    ngx_pad_str_t *author, json_t *record);
static void ngx_pad_session_padid(void *data, ngx_int_t rc,
    ngx_pad_str_t *pad_id);
static void ngx_pad_session_old_revs(void *data, ngx_int_t rc,
    json_t *records);
static ngx_int_t ngx_pad_session_read_old(ngx_pad_session_t *sess);
static void ngx_pad_session_resume(ngx_pad_session_t *sess);
static void ngx_pad_session_userdup(ngx_pad_session_t *sess);
static ngx_int_t ngx_pad_session_rejoin(ngx_pad_session_t *sess);
static ngx_int_t ngx_pad_session_client_vars(ngx_pad_session_t *sess);
static void ngx_pad_session_enter(ngx_pad_session_t *sess);
static void ngx_pad_session_join_start(ngx_pad_session_t *sess);


/* CLIENT_READY */

void
ngx_pad_session_ready(ngx_pad_session_t *sess, ngx_pad_msg_t *m,
    int64_t ack_id)
{
    size_t          n;
    ngx_pad_str_t   id;
    u_char          buf[NGX_PAD_ID_MAX];

    if (sess->state != NGX_PAD_SESSION_NEW) {
        ngx_pad_session_refuse(sess, ack_id, "CLIENT_READY was already sent");
        return;
    }

    id = m->pad_id;
    sess->readonly = 0;
    sess->real_id_len = 0;

    if (ngx_pad_msg_is_readonly_id(&id)) {
        sess->readonly = 1;

    } else {
        /* as Etherpad's pad page: valid as asked, then sanitized */

        if (id.len > NGX_PAD_ID_MAX
            || !ngx_pad_msg_padid_etherpad_valid(&id))
        {
            ngx_pad_session_refuse(sess, ack_id, "invalid padId");
            return;
        }

        n = ngx_pad_msg_padid_sanitize(&id, (char *) buf);
        id.data = (const char *) buf;
        id.len = n;
    }

    if (id.len > NGX_PAD_ID_MAX
        || (!sess->readonly && !ngx_pad_msg_padid_valid(&id)))
    {
        ngx_pad_session_refuse(sess, ack_id, "invalid padId");
        return;
    }

    ngx_memcpy(sess->asked_id, id.data, id.len);
    sess->asked_id_len = id.len;

    if (ngx_pad_session_credentials(sess, m) != NGX_OK) {
        ngx_pad_session_disconnect(sess, "unavailable");
        return;
    }

    if (!sess->token_ok && sess->sids_len == 0) {
        /* no session can grant it: denied at once (the same answer) */
        ngx_pad_session_deny(sess, "an invalid author token");
        return;
    }

    sess->handover = 0;
    sess->reconnect = m->reconnect;
    sess->client_rev = m->client_rev;

    if (m->batch) {
        sess->batch = 1;
    }

    /* the user's wishes, applied once the author record is read */

    if (m->has_color) {
        json_decref(sess->color);
        sess->color = ngx_pad_msg_string(&m->color);
    }

    if (m->has_name) {
        json_decref(sess->name);
        sess->name = ngx_pad_msg_string(&m->name);
    }

    ngx_pad_session_set_state(sess, NGX_PAD_SESSION_JOINING);
    sess->refs++;
    sess->join_started = ngx_current_msec;
    sess->join_tries = 0;
    sess->join_restart = ngx_pad_session_join_start;

    ngx_pad_session_join_start(sess);
}


/* the join's first step (again after a Redis outage); holds its reference */

static void
ngx_pad_session_join_start(ngx_pad_session_t *sess)
{
    ngx_pad_str_t  ro;

    sess->padinfo_asked = 0;

    ro.data = (const char *) sess->asked_id;
    ro.len = sess->asked_id_len;

    /* as asked (the access decision may have made it read-only) */
    sess->readonly = ngx_pad_msg_is_readonly_id(&ro) ? 1 : 0;

    if (!sess->readonly) {
        sess->real_id_len = 0;

        /* the join reference goes with the decision */
        ngx_pad_session_access(sess, ngx_pad_session_author);
        return;
    }

    /* a read-only id: its pad first, then the decision on that pad */

    if (ngx_pad_pstore_readonly(sess, &ro, ngx_pad_session_padid, sess)
        != NGX_OK)
    {
        ngx_pad_session_join_unavailable(sess);
    }
}


/* the author of the token: record {"colorId":..,"name":..} or NULL */

static void
ngx_pad_session_author(void *data, ngx_int_t rc, ngx_pad_str_t *author,
    json_t *record)
{
    json_t             *v;
    ngx_uint_t          update;
    ngx_pad_session_t  *sess = data;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        ngx_pad_session_unref(sess);
        return;
    }

    if (rc != NGX_OK || author->len == 0
        || author->len > NGX_PAD_AUTHOR_MAX)
    {
        ngx_pad_session_join_unavailable(sess);
        return;
    }

    ngx_memcpy(sess->author, author->data, author->len);
    sess->author_len = author->len;

    update = 0;

    if (sess->color == NULL) {
        v = json_object_get(record, "colorId");

        if (json_is_integer(v) || json_is_string(v)) {
            sess->color = json_incref(v);

        } else {
            sess->color = json_integer(ngx_random() % NGX_PAD_MSG_PALETTE_SIZE);
            update = 1;
        }

    } else {
        update = 1;
    }

    if (sess->name == NULL) {
        v = json_object_get(record, "name");
        sess->name = json_is_string(v) ? json_incref(v) : json_null();

    } else {
        update = 1;
    }

    if (update) {
        ngx_pad_pstore_author_update(sess);
    }

    ngx_pad_session_get_pad(sess);
}


/* the pad of a read-only id (NGX_DECLINED: no such pad) */

static void
ngx_pad_session_padid(void *data, ngx_int_t rc, ngx_pad_str_t *pad_id)
{
    ngx_pad_session_t  *sess = data;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        ngx_pad_session_unref(sess);
        return;
    }

    if (rc != NGX_OK || pad_id->len == 0 || pad_id->len > NGX_PAD_ID_MAX) {

        if (rc == NGX_DECLINED) {
            ngx_pad_session_set_state(sess, NGX_PAD_SESSION_NEW);
            /* as a forbidden pad: the same answer */
            ngx_pad_session_deny(sess, "a read-only id of no pad");

            ngx_pad_session_unref(sess);

        } else {
            ngx_pad_session_join_unavailable(sess);
        }

        return;
    }

    sess->real_id_len = pad_id->len;
    ngx_memcpy(sess->real_id, pad_id->data, pad_id->len);

    /* the join reference goes with the decision */
    ngx_pad_session_access(sess, ngx_pad_session_author);
}


/* holds the reference taken for the join */

void
ngx_pad_session_get_pad(ngx_pad_session_t *sess)
{
    ngx_str_t       id;
    ngx_pad_pad_t  *pad;

    if (sess->readonly) {
        id.data = sess->real_id;
        id.len = sess->real_id_len;

    } else {
        id.data = sess->asked_id;
        id.len = sess->asked_id_len;
    }

    pad = ngx_pad_pad_get(&id);

    if (pad == NULL) {
        ngx_pad_session_set_state(sess, NGX_PAD_SESSION_NEW);
        ngx_pad_session_disconnect(sess, "unavailable");
        ngx_pad_session_unref(sess);
        return;
    }

    sess->pad = pad;

    if (pad->state == NGX_PAD_LOADING || !ngx_queue_empty(&pad->waiters)) {
        /* joins in order, from the pad's ready event */
        ngx_queue_insert_tail(&pad->waiters, &sess->queue);
        sess->in_list = 1;
        return;
    }

    if (pad->state == NGX_PAD_READY) {
        ngx_pad_session_joined(sess);
        return;
    }

    ngx_pad_session_join_failed(sess, "unavailable");
}


void
ngx_pad_session_join_failed(ngx_pad_session_t *sess, const char *reason)
{
    ngx_pad_pad_t  *pad;

    pad = sess->pad;
    sess->pad = NULL;

    if (pad) {
        ngx_pad_pad_release(pad);
    }

    if (ngx_strcmp(reason, "unavailable") == 0) {
        /* Redis failed: the join may wait for it (and start again) */
        ngx_pad_session_join_unavailable(sess);
        return;
    }

    if (sess->socket && sess->state == NGX_PAD_SESSION_JOINING) {
        ngx_pad_session_set_state(sess, NGX_PAD_SESSION_NEW);
        ngx_pad_session_disconnect(sess, reason);
    }

    ngx_pad_session_unref(sess);
}


static ngx_int_t
ngx_pad_session_reconnect(ngx_pad_session_t *sess)
{
    int64_t         r;
    json_t         *item, *j;
    ngx_pad_pad_t  *pad;
    ngx_pad_rev_t  *rev;

    pad = sess->pad;

    if (sess->client_rev > pad->head
        || sess->client_rev < pad->first_rev - 1)
    {
        return NGX_DECLINED;
    }

    if (sess->client_rev == pad->head) {
        j = ngx_pad_msg_collab(json_pack("{s:s,s:b,s:I}", "type",
                                         "CLIENT_RECONNECT", "noChanges", 1,
                                         "newRev", (json_int_t) pad->head));
        ngx_pad_session_emit(sess, j);
        json_decref(j);
        return NGX_OK;
    }

    for (r = sess->client_rev + 1; r <= pad->head; r++) {
        rev = ngx_pad_pad_rev(pad, r);
        if (rev == NULL) {
            return NGX_ERROR;
        }

        item = json_loadb(rev->item, rev->item_len, 0, NULL);
        if (item == NULL) {
            return NGX_ERROR;
        }

        json_object_del(item, "timeDelta");

        if (json_object_set_new(item, "type", json_string("CLIENT_RECONNECT"))
            != 0
            || json_object_set_new(item, "headRev", json_integer(pad->head))
               != 0)
        {
            json_decref(item);
            return NGX_ERROR;
        }

        j = ngx_pad_msg_collab(item);
        ngx_pad_session_emit(sess, j);
        json_decref(j);
    }

    return NGX_OK;
}


/* the revisions after client_rev older than the window, from the store */

static ngx_int_t
ngx_pad_session_read_old(ngx_pad_session_t *sess)
{
    ngx_pad_pad_t  *pad;

    pad = sess->pad;

    return ngx_pad_pstore_old_revs(sess, sess->client_rev + 1,
               ngx_min(pad->first_rev - 1,
                       sess->client_rev + NGX_PAD_STORE_READ_MAX),
               ngx_pad_session_old_revs, sess);
}


/*
 * Revision records from the store for a reconnect older than the window:
 * CLIENT_RECONNECT for each, then the join goes on from the new cursor.
 */

static void
ngx_pad_session_old_revs(void *data, ngx_int_t rc, json_t *records)
{
    ngx_pad_session_t  *sess = data;
    size_t           i;
    json_t          *rec, *item, *j;
    int64_t          rev;
    ngx_pad_pad_t   *pad;
    ngx_pad_str_t    cs, author, wire;
    ngx_pad_pool_t  *wpool;
    char            *s;

    pad = sess->pad;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        sess->pad = NULL;
        ngx_pad_pad_release(pad);
        ngx_pad_session_unref(sess);
        return;
    }

    if (rc != NGX_OK) {
        ngx_pad_session_join_failed(sess, "unavailable");
        return;
    }

    json_array_foreach(records, i, rec) {
        if (!json_is_integer(json_object_get(rec, "rev"))
            || ngx_pad_msg_get_str(rec, "cs", &cs) != 0
            || ngx_pad_msg_get_str(rec, "author", &author) != 0)
        {
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        rev = json_integer_value(json_object_get(rec, "rev"));

        if (rev != sess->client_rev + 1) {
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        wpool = ngx_pad_pool_create();
        if (wpool == NULL
            || ngx_pad_cs_prepare_for_wire(ngx_pad_engine->ctx, &cs,
                                           pad->pool, wpool, &wire)
               != NGX_PAD_CS_OK)
        {
            if (wpool) {
                ngx_pad_pool_destroy(wpool);
            }

            ngx_pad_ctx_reset(ngx_pad_engine->ctx);
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        s = ngx_pad_msg_rev_item(rev, &wire, wpool, &author,
                                 json_integer_value(json_object_get(rec,
                                                                    "ts")),
                                 0, 0);
        ngx_pad_pool_destroy(wpool);
        ngx_pad_ctx_reset(ngx_pad_engine->ctx);

        item = s ? json_loads(s, 0, NULL) : NULL;
        free(s);

        if (item == NULL) {
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        if (sess->handover) {
            /* a session taken over: the revisions it has not seen yet */
            json_object_set_new(item, "type", json_string("NEW_CHANGES"));

        } else {
            json_object_del(item, "timeDelta");
            json_object_set_new(item, "type",
                                json_string("CLIENT_RECONNECT"));
            json_object_set_new(item, "headRev", json_integer(pad->head));
        }

        j = ngx_pad_msg_collab(item);
        ngx_pad_session_emit(sess, j);
        json_decref(j);

        sess->client_rev = rev;
    }

    /* the rest, from Redis again or from the window */

    ngx_pad_session_joined(sess);
}


/* an author record asked for by this joining session arrived */

void
ngx_pad_session_author_record(ngx_pad_session_t *sess)
{
    if (sess->authors_pending && --sess->authors_pending == 0
        && sess->pad)
    {
        /*
         * The join goes on with every record cached (or, if the socket
         * went away meanwhile, drops its pad and reference there).
         */
        ngx_pad_session_joined(sess);
    }

    ngx_pad_session_unref(sess);
}


/*
 * A session handed over joins the pad here with its cursor where the old
 * worker left it: revisions this worker no longer has come from Redis
 * first (as NEW_CHANGES), then the fan-out goes on from sent_rev + 1.
 */

static void
ngx_pad_session_resume(ngx_pad_session_t *sess)
{
    ngx_pad_pad_t  *pad;

    pad = sess->pad;

    ngx_pad_session_cache_info(sess);

    if (sess->client_rev < pad->head
        && sess->client_rev < pad->first_rev - 1)
    {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                      "pad: \"%V\": session taken over at revision %L, "
                      "older than the window (from %L): reading from Redis",
                      &pad->id, sess->client_rev, pad->first_rev);

        if (sess->client_rev < pad->head - NGX_PAD_RECONNECT_MAX
            || ngx_pad_session_read_old(sess) != NGX_OK)
        {
            ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                          "pad: \"%V\": cannot take a session over at "
                          "revision %L (head %L)", &pad->id,
                          sess->client_rev, pad->head);
            ngx_pad_session_join_failed(sess, "looping");
        }

        /* the join reference goes with the read */
        return;
    }

    /* no USER_NEWINFO, no presence "join": the author never left */

    sess->sent_rev = sess->client_rev;
    ngx_pad_session_set_state(sess, NGX_PAD_SESSION_JOINED);
    sess->handover = 0;
    ngx_pad_session_cursor_reset(sess);

    ngx_queue_insert_tail(&pad->sessions, &sess->queue);
    sess->in_list = 1;
    pad->nsessions++;
    ngx_pad_metric_inc(NGX_PAD_M_PAD_SESSIONS);
    ngx_pad_socket_note(sess->socket, &pad->id, sess->author,
                        sess->author_len, sess->sent_rev);
    ngx_pad_conn_count(pad);

    ngx_pad_fanout_session(sess);

    if (sess->ask_users && sess->state == NGX_PAD_SESSION_JOINED) {
        /* handed over right after its join: who is here, again */
        sess->ask_users = 0;
        ngx_pad_session_newinfo_send(sess);
        ngx_pad_session_publish(sess, "ask", NULL);
    }

    ngx_pad_session_unref(sess);
}


/* the pad is ready: CLIENT_VARS (or the reconnect catch-up) and join */

void
ngx_pad_session_joined(ngx_pad_session_t *sess)
{
    ngx_int_t       rc;
    ngx_pad_pad_t  *pad;

    pad = sess->pad;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        sess->pad = NULL;
        ngx_pad_pad_release(pad);
        ngx_pad_session_unref(sess);
        return;
    }

    if (sess->handover) {
        ngx_pad_session_resume(sess);
        return;
    }

    ngx_pad_session_userdup(sess);

    ngx_pad_session_cache_info(sess);

    rc = sess->reconnect ? ngx_pad_session_rejoin(sess)
                         : ngx_pad_session_client_vars(sess);

    if (rc != NGX_OK) {
        return;
    }

    ngx_pad_metric_inc(NGX_PAD_M_JOINS);
    ngx_pad_session_enter(sess);
}


/* userdup: an older socket of the same author leaves */

static void
ngx_pad_session_userdup(ngx_pad_session_t *sess)
{
    json_t             *j;
    ngx_queue_t        *q, *next;
    ngx_pad_pad_t      *pad;
    ngx_pad_session_t  *o;

    pad = sess->pad;

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = next)
    {
        next = ngx_queue_next(q);
        o = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (o->author_len == sess->author_len
            && ngx_memcmp(o->author, sess->author, sess->author_len) == 0)
        {
            j = ngx_pad_msg_disconnect("userdup");
            ngx_pad_session_emit(o, j);
            json_decref(j);

            ngx_queue_remove(&o->queue);
            o->in_list = 0;
            pad->nsessions--;
            ngx_pad_metric_dec(NGX_PAD_M_PAD_SESSIONS);
            ngx_pad_conn_count(pad);
            ngx_pad_session_set_state(o, NGX_PAD_SESSION_NEW);
            o->pad = NULL;
            ngx_pad_pad_release(pad);
        }
    }
}


/*
 * A reconnect: the revisions after the client's, as CLIENT_RECONNECT.
 * NGX_OK: sent, the join goes on; NGX_DONE: the join waits for a read
 * or failed (the join reference went with it).
 */

static ngx_int_t
ngx_pad_session_rejoin(ngx_pad_session_t *sess)
{
    ngx_int_t       rc;
    ngx_pad_pad_t  *pad;

    pad = sess->pad;

    if (sess->client_rev <= pad->head
        && sess->client_rev < pad->first_rev - 1)
    {
        /* older than the window: those revisions come from Redis */

        if (sess->client_rev < pad->head - NGX_PAD_RECONNECT_MAX
            || ngx_pad_session_read_old(sess) != NGX_OK)
        {
            ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                          "pad: \"%V\": cannot resume at revision %L "
                          "(head %L)", &pad->id, sess->client_rev,
                          pad->head);
            ngx_pad_session_join_failed(sess, "looping");
        }

        /* the join reference goes with the read */
        return NGX_DONE;
    }

    rc = ngx_pad_session_reconnect(sess);

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                      "pad: \"%V\": cannot resume at revision %L "
                      "(head %L)", &pad->id, sess->client_rev,
                      pad->head);
        ngx_pad_session_join_failed(sess, "looping");
        return NGX_DONE;
    }

    return NGX_OK;
}


/*
 * A first join: the records of the pad's authors and the pad's info are
 * read first, then CLIENT_VARS is sent.  NGX_OK: sent, the join goes on;
 * NGX_DONE: the join waits for the reads or failed (the join reference
 * went with it).
 */

static ngx_int_t
ngx_pad_session_client_vars(ngx_pad_session_t *sess)
{
    json_t              *j, *authors;
    ngx_pad_pad_t       *pad;
    ngx_pad_str_t        attribs, wire;
    ngx_pad_pool_t      *wpool;
    ngx_pad_msg_vars_t   v;

    pad = sess->pad;

    if (!sess->authors_asked) {
        /* records of the pad's authors not cached yet: ask first */

        sess->authors_asked = 1;
        json_decref(ngx_pad_pad_authors_json(pad, sess,
                                         ngx_pad_session_author_record));

        if (sess->authors_pending) {
            return NGX_DONE;  /* the join reference waits with them */
        }
    }

    if (!sess->padinfo_asked) {
        /* the other workers' sessions, the saved revisions */

        sess->padinfo_asked = 1;

        if (ngx_pad_padinfo_ask(sess, ngx_pad_session_joined)) {
            return NGX_DONE;  /* the join reference waits with them */
        }
    }

    wpool = ngx_pad_pool_create();
    if (wpool == NULL) {
        ngx_pad_session_join_failed(sess, "corruptPad");
        return NGX_DONE;
    }

    attribs.data = pad->atext.attribs.data;
    attribs.len = pad->atext.attribs.len;

    if (ngx_pad_cs_prepare_for_wire(ngx_pad_engine->ctx, &attribs,
                                    pad->pool, wpool, &wire)
        != NGX_PAD_CS_OK)
    {
        ngx_pad_ctx_reset(ngx_pad_engine->ctx);
        ngx_pad_pool_destroy(wpool);
        ngx_pad_session_join_failed(sess, "corruptPad");
        return NGX_DONE;
    }

    ngx_memzero(&v, sizeof(ngx_pad_msg_vars_t));

    v.pad_id.data = (const char *) sess->asked_id;
    v.pad_id.len = sess->asked_id_len;
    v.readonly_id.data = (const char *) pad->ro_id.data;
    v.readonly_id.len = pad->ro_id.len;
    v.readonly = sess->readonly;
    ngx_pad_session_user(sess, &v.user);
    v.atext.text = pad->atext.text;
    v.atext.attribs = wire;
    v.wire_pool = wpool;
    v.rev = pad->head;
    v.time = pad->head_time;
    v.server_time = ngx_pad_now_ms();
    v.chat_head = pad->chat_head;
    /* as Etherpad: the sockets in the pad before this one */
    v.connected = pad->nsessions + sess->remote_users;
    v.saved = sess->saved;
    v.site = ngx_pad_engine->settings;

    authors = ngx_pad_pad_authors_json(pad, NULL, NULL);
    v.authors = authors;

    j = ngx_pad_msg_client_vars(&v);

    ngx_pad_ctx_reset(ngx_pad_engine->ctx);
    ngx_pad_pool_destroy(wpool);
    json_decref(authors);

    if (j == NULL) {
        ngx_pad_session_join_failed(sess, "corruptPad");
        return NGX_DONE;
    }

    ngx_pad_session_emit(sess, j);
    json_decref(j);

    return NGX_OK;
}


/* in the pad: the fan-out owns the cursor, USER_NEWINFO both ways */

static void
ngx_pad_session_enter(ngx_pad_session_t *sess)
{
    json_t              *j;
    ngx_pad_pad_t       *pad;
    ngx_pad_msg_user_t   u;

    pad = sess->pad;

    sess->sent_rev = pad->head;
    ngx_pad_session_set_state(sess, NGX_PAD_SESSION_JOINED);
    ngx_pad_session_cursor_reset(sess);

    ngx_queue_insert_tail(&pad->sessions, &sess->queue);
    sess->in_list = 1;
    pad->nsessions++;
    ngx_pad_metric_inc(NGX_PAD_M_PAD_SESSIONS);
    ngx_pad_socket_note(sess->socket, &pad->id, sess->author,
                        sess->author_len, sess->sent_rev);
    ngx_pad_conn_count(pad);

    /* USER_NEWINFO both ways */

    ngx_pad_session_user(sess, &u);
    j = ngx_pad_msg_user_newinfo(&u);

    if (j) {
        ngx_pad_pad_broadcast(pad, sess, j);
        json_decref(j);
    }

    /*
     * The users already here are announced to the joiner only once
     * CLIENT_VARS has left its queue: Etherpad's pad page (2.5.3) handles
     * messages that reach it together with CLIENT_VARS (one polling
     * response) before it installs its user-list callbacks, so their
     * USER_NEWINFO would never show in its user list.
     */

    if (!sess->newinfo_ev.timer_set) {
        sess->newinfo_ev.handler = ngx_pad_session_newinfo_handler;
        sess->newinfo_ev.data = sess;
        sess->newinfo_ev.log = ngx_pad_engine->log;
        sess->newinfo_ev.cancelable = 1;
        sess->newinfo_tries = 0;
        sess->refs++;
        ngx_pad_session_newinfo_handler(&sess->newinfo_ev);
    }

    ngx_pad_session_publish(sess, "join", NULL);

    /* the join reference: the session now holds the pad via sess->pad */

    ngx_pad_session_unref(sess);
}
