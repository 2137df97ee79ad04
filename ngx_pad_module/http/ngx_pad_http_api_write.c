
/*
 * ngx_pad_module: the HTTP API's functions that write pads (API.ts):
 * createPad, createGroupPad, setText, appendText, sendClientsMessage,
 * deletePad.
 *
 * A text write is one revision appended through ngx_pad_store_append()
 * on the head just read (Pad.ts's spliceText); when the head moved
 * (NGX_DECLINED) or the pad is of another history now (NGX_ABORT) the pad
 * is read again and the revision rebuilt, NGX_PAD_API_WRITE_TRIES times
 * at most.  append.lua publishes the revision on the pad's channel: the
 * pad engine of every worker and host that holds the pad applies it and
 * sends it to its clients as NEW_CHANGES.  deletePad and
 * sendClientsMessage reach the clients the same way (delete.lua's
 * publish, ngx_pad_store_publish()), the engine acting on them
 * (ngx_pad_channel.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "msg/ngx_pad_msg.h"
#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_cs_str.h"
#include "http/ngx_pad_http_api.h"


#define NGX_PAD_API_TEXT_MAX      100000     /* createPad, UTF-16 units */


typedef enum {
    NGX_PAD_API_W_CREATE = 0,
    NGX_PAD_API_W_SET,
    NGX_PAD_API_W_APPEND
} ngx_pad_api_w_e;


typedef struct {
    ngx_pad_api_w_e            op;
    ngx_str_t                  text;       /* cleaned (setText, append) */
    ngx_str_t                  author;
    ngx_str_t                  pad;        /* createPad, createGroupPad */
    ngx_uint_t                 group;      /* createGroupPad */
    ngx_event_t                wait;       /* createPad: the grace */
    ngx_pad_ctx_t             *es;
} ngx_pad_api_w_t;


static ngx_pad_api_w_t *ngx_pad_api_w(ngx_pad_api_t *api,
    ngx_pad_api_w_e op);
static void ngx_pad_api_w_cleanup(ngx_pad_api_t *api);
static void ngx_pad_api_create_pad(ngx_pad_api_t *api);
static void ngx_pad_api_create_group_pad(ngx_pad_api_t *api);
static void ngx_pad_api_group_checked(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_create_head(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_create_send(ngx_pad_api_t *api);
static void ngx_pad_api_create_wait(ngx_event_t *ev);
static void ngx_pad_api_created(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_set_text(ngx_pad_api_t *api);
static void ngx_pad_api_append_text(ngx_pad_api_t *api);
static void ngx_pad_api_text_start(ngx_pad_api_t *api, ngx_pad_api_w_e op);
static void ngx_pad_api_text_read(ngx_pad_api_t *api);
static void ngx_pad_api_text_appended(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_send_message(ngx_pad_api_t *api);
static void ngx_pad_api_send_message_head(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_store_done(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_delete_pad(ngx_pad_api_t *api);
static void ngx_pad_api_deleted(void *data, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_api_clean_text(ngx_pad_api_t *api, ngx_str_t *in,
    ngx_str_t *out);


const ngx_pad_api_fn_t  ngx_pad_api_write_fns[] = {

    { ngx_string("createPad"), NGX_PAD_API_V1,
      { "padID", "text", NULL }, { "padID", "text", "authorId", NULL },
      ngx_pad_api_create_pad },

    { ngx_string("createGroupPad"), NGX_PAD_API_V1,
      { "groupID", "padName", "text", NULL },
      { "groupID", "padName", "text", "authorId", NULL },
      ngx_pad_api_create_group_pad },

    { ngx_string("setText"), NGX_PAD_API_V1,
      { "padID", "text", NULL }, { "padID", "text", "authorId", NULL },
      ngx_pad_api_set_text },

    { ngx_string("deletePad"), NGX_PAD_API_V1,
      { "padID", NULL }, { NULL }, ngx_pad_api_delete_pad },

    { ngx_string("sendClientsMessage"), NGX_PAD_API_V1_1,
      { "padID", "msg", NULL }, { NULL }, ngx_pad_api_send_message },


    { ngx_string("appendText"), NGX_PAD_API_V1_2_13,
      { "padID", "text", NULL }, { "padID", "text", "authorId", NULL },
      ngx_pad_api_append_text },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


static ngx_pad_api_w_t *
ngx_pad_api_w(ngx_pad_api_t *api, ngx_pad_api_w_e op)
{
    ngx_str_t        *a;
    ngx_pad_api_w_t  *w;

    w = ngx_pcalloc(api->r->pool, sizeof(ngx_pad_api_w_t));
    if (w == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return NULL;
    }

    w->op = op;

    a = ngx_pad_api_arg(api, "authorId");
    if (a) {
        /* it goes into the pad's records: UTF-8, no U+0000 */

        if (ngx_pad_api_clean_text(api, a, &w->text) != NGX_OK) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "authorId is not a string");
            return NULL;
        }

        ngx_str_null(&w->text);
        w->author = *a;
    }

    api->data = w;
    api->cleanup = ngx_pad_api_w_cleanup;

    return w;
}


static void
ngx_pad_api_w_cleanup(ngx_pad_api_t *api)
{
    ngx_pad_api_w_t  *w = api->data;

    if (w == NULL) {
        return;
    }

    if (w->wait.timer_set) {
        ngx_del_timer(&w->wait);
    }

    if (w->es) {
        ngx_pad_ctx_destroy(w->es);
        w->es = NULL;
    }
}



/*
 * Pad.ts's cleanText: "\r\n" and "\r" become "\n", a tab eight spaces,
 * U+00A0 a space; the text must be UTF-8 without U+0000 (which the pad's
 * records could not carry: NGX_DECLINED).
 */

static ngx_int_t
ngx_pad_api_clean_text(ngx_pad_api_t *api, ngx_str_t *in, ngx_str_t *out)
{
    u_char         *p, *q, *last;
    intptr_t        len16, nl;
    ngx_pad_str_t   s;

    s.data = (const char *) in->data;
    s.len = in->len;

    if (ngx_pad_utf8_check(&s, &len16, &nl) != 0
        || ngx_strlchr(in->data, in->data + in->len, '\0'))
    {
        return NGX_DECLINED;
    }

    out->data = ngx_pnalloc(api->r->pool, in->len * 8 + 1);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    q = out->data;
    last = in->data + in->len;

    for (p = in->data; p < last; p++) {

        if (*p == '\r') {
            *q++ = '\n';

            if (p + 1 < last && p[1] == '\n') {
                p++;
            }

            continue;
        }

        if (*p == '\t') {
            q = ngx_cpymem(q, "        ", 8);
            continue;
        }

        if (*p == 0xc2 && p + 1 < last && p[1] == 0xa0) {
            *q++ = ' ';
            p++;
            continue;
        }

        *q++ = *p;
    }

    out->len = q - out->data;

    return NGX_OK;
}


/* createPad(padID, [text], [authorId]): getPadSafe(padID, false) */

static void
ngx_pad_api_create_pad(ngx_pad_api_t *api)
{
    ngx_str_t        *pad;
    ngx_pad_api_w_t  *w;

    static ngx_str_t  none = ngx_string("");

    pad = ngx_pad_api_arg(api, "padID");

    if (pad && pad->len) {
        if (ngx_strlchr(pad->data, pad->data + pad->len, '$')) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "createPad can't create group pads");
            return;
        }

        if (ngx_strlchr(pad->data, pad->data + pad->len, '/')
            || ngx_strlchr(pad->data, pad->data + pad->len, '?')
            || ngx_strlchr(pad->data, pad->data + pad->len, '&')
            || ngx_strlchr(pad->data, pad->data + pad->len, '#'))
        {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "malformed padID: Remove special characters");
            return;
        }
    }

    if (ngx_pad_api_pad_arg(api, &pad) != NGX_OK) {
        return;
    }

    w = ngx_pad_api_w(api, NGX_PAD_API_W_CREATE);
    if (w == NULL) {
        return;
    }

    w->pad = *pad;

    api->sreq = ngx_pad_store_head(pad, -1, &none, ngx_pad_api_create_head,
                                   api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/*
 * createGroupPad(groupID, padName, [text], [authorId]): GroupManager's;
 * the pad goes into Pgroup:{groupID}:pads before it is created (a stale
 * entry, when the creation fails, is the reader's to filter out).
 */

static void
ngx_pad_api_create_group_pad(ngx_pad_api_t *api)
{
    u_char           *p;
    ngx_str_t        *g, *name, undef;
    ngx_pad_str_t     ps;
    ngx_pad_api_w_t  *w;

    ngx_str_set(&undef, "undefined");

    g = ngx_pad_api_arg(api, "groupID");
    name = ngx_pad_api_arg(api, "padName");

    if (g == NULL || g->len == 0) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "groupID does not exist");
        return;
    }

    if (name == NULL) {
        name = &undef;      /* `${groupID}$${padName}` */
    }

    w = ngx_pad_api_w(api, NGX_PAD_API_W_CREATE);
    if (w == NULL) {
        return;
    }

    w->group = 1;
    w->pad.len = g->len + 1 + name->len;
    w->pad.data = ngx_pnalloc(api->r->pool, w->pad.len + 1);

    if (w->pad.data == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    p = ngx_cpymem(w->pad.data, g->data, g->len);
    *p++ = '$';
    p = ngx_cpymem(p, name->data, name->len);
    *p = '\0';

    ps.data = (const char *) w->pad.data;
    ps.len = w->pad.len;

    if (!ngx_pad_msg_padid_valid(&ps)
        || ngx_strlchr(g->data, g->data + g->len, '$'))
    {
        /* PadManager.getPad's message */
        p = ngx_pnalloc(api->r->pool, w->pad.len + sizeof(" is not a valid "
                                                          "padId"));
        if (p == NULL) {
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }

        ngx_sprintf(p, "%V is not a valid padId%Z", &w->pad);
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, (char *) p);
        return;
    }

    api->sreq = ngx_pad_store_group_pad(g, &w->pad,
                                        ngx_pad_api_group_checked, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_group_checked(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    ngx_pad_api_w_t  *w = api->data;

    static ngx_str_t  none = ngx_string("");

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status == NGX_DECLINED) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "groupID does not exist");
        return;
    }

    api->sreq = ngx_pad_store_head(&w->pad, -1, &none,
                                   ngx_pad_api_create_head, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_create_head(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    intptr_t         len16, nl;
    ngx_str_t       *text;
    ngx_pad_str_t    s;
    ngx_pad_api_w_t *w;

    api->sreq = NULL;
    w = api->data;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status == NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         w->group ? "padName does already exist"
                                  : "padID does already exist");
        return;
    }

    /* PadManager.getPad's checks of the text; Pad.init's default text */

    text = ngx_pad_api_arg(api, "text");

    if (text) {
        s.data = (const char *) text->data;
        s.len = text->len;

        if (ngx_pad_utf8_check(&s, &len16, &nl) != 0
            || ngx_strlchr(text->data, text->data + text->len, '\0'))
        {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "text is not a string");
            return;
        }

        if (len16 > NGX_PAD_API_TEXT_MAX) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "text must be less than 100k chars");
            return;
        }

        /* Pad.init takes a given text as it is (no cleanText) */
        w->text = *text;

    } else {
        switch (ngx_pad_api_clean_text(api, &api->conf->default_text,
                                       &w->text))
        {
        case NGX_OK:
            break;
        default:
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }
    }

    ngx_pad_api_create_send(api);
}


static void
ngx_pad_api_create_send(ngx_pad_api_t *api)
{
    u_char           hist[16];
    char            *entry;
    json_t          *j;
    ngx_str_t        cs, h, pool0;
    ngx_pad_str_t    nl, text, out;
    ngx_pad_api_w_t *w = api->data;

    if (w->es == NULL) {
        w->es = ngx_pad_ctx_create();
        if (w->es == NULL) {
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }
    }

    nl.data = "\n";
    nl.len = 1;
    text.data = (const char *) w->text.data;
    text.len = w->text.len;

    if (ngx_pad_cs_make_splice(w->es, &nl, 0, 0, &text, NULL, &out)
        != NGX_PAD_CS_OK)
    {
        ngx_log_error(NGX_LOG_INFO, api->log, 0, "pad api: createPad: %s",
                      ngx_pad_ctx_error(w->es));
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "text is not a string");
        return;
    }

    cs.data = (u_char *) out.data;
    cs.len = out.len;

    ngx_pad_store_random_id(hist, sizeof(hist));
    h.data = hist;
    h.len = sizeof(hist);

    /* appendRevision: the author goes into the pool */

    ngx_str_null(&pool0);
    entry = NULL;

    if (w->author.len) {
        j = json_pack("[s,s%]", "author", (char *) w->author.data,
                      (size_t) w->author.len);
        entry = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);

        if (entry == NULL) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "authorId is not a string");
            return;
        }

        pool0.data = (u_char *) entry;
        pool0.len = ngx_strlen(entry);
    }

    api->sreq = ngx_pad_store_create(&w->pad, &cs, &h,
                                     &w->author, &pool0, ngx_pad_api_created,
                                     api);
    free(entry);
    ngx_pad_ctx_reset(w->es);

    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_created(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    ngx_pad_api_w_t  *w = api->data;

    api->sreq = NULL;

    switch (res->status) {

    case NGX_OK:
        ngx_pad_api_ok(api, w->group ? json_pack("{s:s%}", "padID",
                                                 (char *) w->pad.data,
                                                 (size_t) w->pad.len)
                                     : NULL);
        return;

    case NGX_DECLINED:
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         w->group ? "padName does already exist"
                                  : "padID does already exist");
        return;

    case NGX_BUSY:
        /*
         * Redis's data set is younger than pad_redis_lost_grace: a worker
         * may still write the pad back; wait as a join does.
         */
        w->wait.handler = ngx_pad_api_create_wait;
        w->wait.data = api;
        w->wait.log = api->log;
        ngx_add_timer(&w->wait, res->wait);
        return;

    default:
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }
}


static void
ngx_pad_api_create_wait(ngx_event_t *ev)
{
    ngx_pad_api_t  *api = ev->data;

    ngx_pad_api_create_send(api);
}


/* setText, appendText: Pad.ts's spliceText as one revision */

static void
ngx_pad_api_set_text(ngx_pad_api_t *api)
{
    ngx_pad_api_text_start(api, NGX_PAD_API_W_SET);
}


static void
ngx_pad_api_append_text(ngx_pad_api_t *api)
{
    ngx_pad_api_text_start(api, NGX_PAD_API_W_APPEND);
}


static void
ngx_pad_api_text_start(ngx_pad_api_t *api, ngx_pad_api_w_e op)
{
    ngx_str_t        *text;
    ngx_pad_api_w_t  *w;

    text = ngx_pad_api_arg(api, "text");
    if (text == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "text is not a string");
        return;
    }

    w = ngx_pad_api_w(api, op);
    if (w == NULL) {
        return;
    }

    switch (ngx_pad_api_clean_text(api, text, &w->text)) {
    case NGX_OK:
        break;
    case NGX_DECLINED:
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "text is not a string");
        return;
    default:
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    (void) ngx_pad_api_write_pad(api, ngx_pad_api_text_read);
}


static void
ngx_pad_api_text_read(ngx_pad_api_t *api)
{
    char              *entry;
    json_t            *pool, *nta, *v, *j;
    intptr_t           len16, start, ndel;
    ngx_str_t          cs, pe, *hist;
    ngx_int_t          next;
    ngx_uint_t         npool, found;
    const char        *num;
    json_error_t       err;
    ngx_pad_str_t      ins, out;
    ngx_pad_atext_t    after, before;
    ngx_pad_api_w_t   *w = api->data;

    if (w->es == NULL) {
        w->es = ngx_pad_ctx_create();
        if (w->es == NULL) {
            goto failed;
        }
    }

    if (ngx_pad_utf16_len(w->es, &api->rd.text, &len16) != NGX_PAD_CS_OK
        || len16 < 1)
    {
        goto failed;
    }

    ins.data = (const char *) w->text.data;
    ins.len = w->text.len;

    if (w->op == NGX_PAD_API_W_SET) {
        start = 0;
        ndel = len16;

    } else {
        start = len16 - 1;
        ndel = 0;
    }

    /* willEndWithNewline, as spliceText */

    if (!(start + ndel < len16
          || (ins.len && ins.data[ins.len - 1] == '\n')
          || (ins.len == 0 && start > 0
              && api->rd.text.data[api->rd.text.len - 1] == '\n')))
    {
        w->text.data[w->text.len++] = '\n';
        ins.len = w->text.len;
    }

    if (ndel == 0 && ins.len == 0) {
        ngx_pad_api_ok(api, NULL);
        return;
    }

    if (ngx_pad_cs_make_splice(w->es, &api->rd.text, start, ndel, &ins,
                               NULL, &out)
        != NGX_PAD_CS_OK)
    {
        goto failed;
    }

    /* appendRevision: no revision when the AText stays the same */

    before.text = api->rd.text;
    before.attribs = api->rd.attribs;

    if (ngx_pad_cs_apply_to_atext(w->es, &out, &before, api->rd.apool,
                                  &after)
        != NGX_PAD_CS_OK)
    {
        goto failed;
    }

    if (ngx_pad_str_eq(&after.text, &before.text)
        && ngx_pad_str_eq(&after.attribs, &before.attribs))
    {
        ngx_pad_ctx_reset(w->es);
        ngx_pad_api_ok(api, NULL);
        return;
    }

    cs.data = (u_char *) out.data;
    cs.len = out.len;

    /* the author's pool entry, when the pool lacks it */

    pool = json_loadb((char *) api->rd.pool_json.data, api->rd.pool_json.len,
                      0, &err);
    nta = json_object_get(pool, "numToAttrib");
    v = json_object_get(pool, "nextNum");
    next = json_is_integer(v) ? (ngx_int_t) json_integer_value(v) : 0;
    found = 0;

    json_object_foreach(nta, num, v) {
        if (json_is_string(json_array_get(v, 0))
            && ngx_strcmp(json_string_value(json_array_get(v, 0)), "author")
               == 0
            && json_is_string(json_array_get(v, 1))
            && json_string_length(json_array_get(v, 1)) == w->author.len
            && ngx_strncmp(json_string_value(json_array_get(v, 1)),
                           w->author.data, w->author.len) == 0)
        {
            found = 1;
        }
    }

    json_decref(pool);

    entry = NULL;
    npool = 0;

    if (w->author.len && !found) {
        j = json_pack("[s,s%]", "author", (char *) w->author.data,
                      (size_t) w->author.len);
        entry = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);

        if (entry == NULL) {
            ngx_pad_ctx_reset(w->es);
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "authorId is not a string");
            return;
        }

        pe.data = (u_char *) entry;
        pe.len = ngx_strlen(entry);
        npool = 1;
    }

    hist = api->rd.hist.len ? &api->rd.hist : NULL;

    api->sreq = ngx_pad_store_append(&api->rd.pad, api->rd.head, hist, 1, &cs,
                                     &w->author, next, &pe, npool,
                                     ngx_pad_api_text_appended, api);
    free(entry);
    ngx_pad_ctx_reset(w->es);

    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }

    return;

failed:

    ngx_log_error(NGX_LOG_ERR, api->log, 0, "pad api: %V: \"%V\": %s",
                  &api->fn->name, &api->rd.pad,
                  w->es ? ngx_pad_ctx_error(w->es) : "out of memory");

    if (w->es) {
        ngx_pad_ctx_reset(w->es);
    }

    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
}


static void
ngx_pad_api_text_appended(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    ngx_pad_api_w_t  *w = api->data;

    api->sreq = NULL;

    if ((res->status == NGX_DECLINED || res->status == NGX_ABORT)
        && w->text.len && w->text.data[w->text.len - 1] == '\n')
    {
        /* spliceText's text again: the newline rule is per read */
        (void) ngx_pad_api_clean_text(api, ngx_pad_api_arg(api, "text"),
                                      &w->text);
    }

    ngx_pad_api_write_appended(api, res, ngx_pad_api_text_read);
}


/* sendClientsMessage(padID, msg): handleCustomMessage on every host */

static void
ngx_pad_api_send_message(ngx_pad_api_t *api)
{
    ngx_str_t  *pad;

    static ngx_str_t  none = ngx_string("");

    if (ngx_pad_api_pad_arg(api, &pad) != NGX_OK) {
        return;
    }

    api->sreq = ngx_pad_store_head(pad, -1, &none,
                                   ngx_pad_api_send_message_head, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_send_message_head(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    char       *s;
    json_t     *j;
    ngx_str_t   m, *msg;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID does not exist");
        return;
    }

    msg = ngx_pad_api_arg(api, "msg");

    /* Etherpad sends {type: undefined} for no msg: the key is left out */

    j = json_pack("{s:s, s:{s:{s:I}}}", "type", "custom", "msg", "data",
                  "time", (json_int_t) ngx_time() * 1000
                          + (json_int_t) ngx_timeofday()->msec);

    if (j && msg) {
        if (ngx_strlchr(msg->data, msg->data + msg->len, '\0')
            || json_object_set_new(json_object_get(json_object_get(j, "msg"),
                                                "data"),
                                "type", ngx_pad_api_string(msg))
            != 0)
        {
            json_decref(j);
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "msg is not a string");
            return;
        }
    }

    if (j) {
        (void) json_object_set_new(json_object_get(j, "msg"), "type",
                                   json_string("COLLABROOM"));
    }

    s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);

    if (s == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    m.data = (u_char *) s;
    m.len = ngx_strlen(s);

    api->sreq = ngx_pad_store_publish(ngx_pad_api_arg(api, "padID"), &m,
                                      ngx_pad_api_store_done, api);
    free(s);

    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_store_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    ngx_pad_api_ok(api, NULL);
}


/*
 * deletePad(padID): Pad.remove; the sessions of the pad on every worker
 * get {"disconnect":"deleted"} from the engine (delete.lua's publish).
 */

static void
ngx_pad_api_delete_pad(ngx_pad_api_t *api)
{
    u_char     *dollar;
    ngx_str_t  *pad, group, *g;

    if (ngx_pad_api_pad_arg(api, &pad) != NGX_OK) {
        return;
    }

    g = NULL;
    dollar = ngx_strlchr(pad->data, pad->data + pad->len, '$');

    if (dollar && dollar > pad->data) {
        group.data = pad->data;
        group.len = dollar - pad->data;
        g = &group;
    }

    api->sreq = ngx_pad_store_pad_delete(pad, g, ngx_pad_api_deleted, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_deleted(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status == NGX_DECLINED) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID does not exist");
        return;
    }

    ngx_pad_api_ok(api, NULL);
}
