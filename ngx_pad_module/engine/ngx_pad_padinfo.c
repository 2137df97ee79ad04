
/*
 * ngx_pad_module: what a pad keeps in Redis beside its revisions for
 * CLIENT_VARS: the sessions connected through every worker of every
 * instance (numConnectedUsers) and the saved revisions (SAVE_REVISION,
 * savedRevisions).
 *
 Each worker writes its number of sessions of a pad into the pad's
 * "conn" hash (ngx_pad_conn.c); a joiner's worker adds the other
 * workers' unexpired counts to its own.
 *
 * A saved revision is Etherpad's record {revNum, savedById, label,
 * timestamp, id}, stored once per revision number in the pad's "saved"
 * hash.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


static void ngx_pad_padinfo_conn_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_padinfo_saved_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_padinfo_done(ngx_pad_session_t *sess);


/*
 * Before CLIENT_VARS: the other workers' sessions and the saved
 * revisions.  Returns the number of reads started; each holds a
 * reference of the session; when the last ended, "done" is called (if
 * the session still has its pad).
 */

ngx_uint_t
ngx_pad_padinfo_ask(ngx_pad_session_t *sess, ngx_pad_session_handler_pt done)
{
    ngx_str_t  *id;

    id = &sess->pad->id;

    sess->remote_users = 0;
    sess->padinfo_pending = 0;
    sess->padinfo_done = done;

    sess->refs++;

    if (ngx_pad_store_conn_get(id, ngx_pad_padinfo_conn_done, sess)
        != NULL)
    {
        sess->padinfo_pending++;
        sess->refs++;
    }

    if (ngx_pad_store_saved_get(id, ngx_pad_padinfo_saved_done, sess)
        != NULL)
    {
        sess->padinfo_pending++;
        sess->refs++;
    }

    sess->refs--;

    return sess->padinfo_pending;
}


static void
ngx_pad_padinfo_conn_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_session_t  *sess = data;

    int64_t      now, expiry;
    ngx_int_t    n;
    ngx_uint_t   i;
    ngx_str_t   *field, *value;

    if (res->status == NGX_OK) {
        now = ngx_pad_now_ms();

        for (i = 0; i + 1 < res->nitems; i += 2) {
            field = &res->items[i];
            value = &res->items[i + 1];

            if (field->len == ngx_strlen(ngx_pad_engine->wid)
                && ngx_strncmp(field->data, ngx_pad_engine->wid,
                               field->len) == 0)
            {
                continue;   /* ours: counted from the pad */
            }

            if (ngx_pad_store_conn_value(value, &n, &expiry, NULL)
                != NGX_OK)
            {
                continue;
            }

            if (n > 0 && expiry > now) {
                sess->remote_users += n;
            }
        }
    }

    ngx_pad_padinfo_done(sess);
}


/* the saved revisions as Etherpad lists them: in the order saved */

static int
ngx_pad_padinfo_cmp(const void *one, const void *two)
{
    int64_t  a, b;
    json_t  *x = *(json_t **) one;
    json_t  *y = *(json_t **) two;

    a = json_integer_value(json_object_get(x, "timestamp"));
    b = json_integer_value(json_object_get(y, "timestamp"));

    if (a == b) {
        a = json_integer_value(json_object_get(x, "revNum"));
        b = json_integer_value(json_object_get(y, "revNum"));
    }

    return (a > b) - (a < b);
}


static void
ngx_pad_padinfo_saved_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_session_t  *sess = data;

    json_t      *arr, *j, **all;
    ngx_uint_t   i, n;

    arr = json_array();

    if (arr && res->status == NGX_OK && res->nitems) {
        all = ngx_alloc(res->nitems * sizeof(json_t *), ngx_pad_engine->log);

        if (all) {
            n = 0;

            for (i = 0; i < res->nitems; i++) {
                j = json_loadb((char *) res->items[i].data,
                               res->items[i].len, 0, NULL);

                if (json_is_object(j)) {
                    all[n++] = j;

                } else {
                    json_decref(j);
                }
            }

            ngx_qsort(all, n, sizeof(json_t *), ngx_pad_padinfo_cmp);

            for (i = 0; i < n; i++) {
                json_array_append_new(arr, all[i]);
            }

            ngx_free(all);
        }
    }

    json_decref(sess->saved);
    sess->saved = arr;

    ngx_pad_padinfo_done(sess);
}


static void
ngx_pad_padinfo_done(ngx_pad_session_t *sess)
{
    if (sess->padinfo_pending && --sess->padinfo_pending == 0
        && sess->pad)
    {
        /* the join goes on (or drops its pad if the socket went away) */
        sess->padinfo_done(sess);
    }

    ngx_pad_session_unref(sess);
}


/* SAVE_REVISION: the pad's head, once per revision */

ngx_int_t
ngx_pad_padinfo_save(ngx_pad_session_t *sess)
{
    u_char         id[20];
    u_char         rnd[10];
    char          *s;
    json_t        *rec;
    ngx_str_t      str;
    ngx_uint_t     i;
    ngx_pad_pad_t *pad;
    char           label[64];

    pad = sess->pad;

    for (i = 0; i < sizeof(rnd); i++) {
        rnd[i] = (u_char) ngx_random();
    }

    ngx_hex_dump(id, rnd, sizeof(rnd));

    snprintf(label, sizeof(label), "Revision %lld", (long long) pad->head);

    rec = json_pack("{s:I,s:s%,s:s,s:I,s:s%}",
                    "revNum", (json_int_t) pad->head,
                    "savedById", (char *) sess->author, sess->author_len,
                    "label", label,
                    "timestamp", (json_int_t) ngx_pad_now_ms(),
                    "id", (char *) id, sizeof(id));
    if (rec == NULL) {
        return NGX_ERROR;
    }

    s = json_dumps(rec, JSON_COMPACT|JSON_PRESERVE_ORDER);
    json_decref(rec);

    if (s == NULL) {
        return NGX_ERROR;
    }

    str.data = (u_char *) s;
    str.len = ngx_strlen(s);

    if (ngx_pad_store_saved_add(&pad->id, (ngx_int_t) pad->head, &str, NULL,
                                NULL)
        == NULL)
    {
        free(s);
        return NGX_ERROR;
    }

    free(s);

    return NGX_OK;
}
