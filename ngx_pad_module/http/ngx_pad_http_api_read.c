
/*
 * ngx_pad_module: the HTTP API's functions that read a pad (API.ts):
 * getRevisionsCount, getText, getHTML, getAttributePool,
 * getRevisionChangeset, getLastEdited, getChatHead, listAuthorsOfPad,
 * getReadOnlyID, getPadID, checkToken.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "msg/ngx_pad_msg.h"
#include "html/ngx_pad_html.h"
#include "http/ngx_pad_http_api.h"


static void ngx_pad_api_revisions_count(ngx_pad_api_t *api);
static void ngx_pad_api_get_text(ngx_pad_api_t *api);
static void ngx_pad_api_get_text_read(ngx_pad_api_t *api);
static void ngx_pad_api_get_html(ngx_pad_api_t *api);
static void ngx_pad_api_get_html_read(ngx_pad_api_t *api);
static void ngx_pad_api_render(ngx_pad_api_t *api, ngx_uint_t html);
static void ngx_pad_api_get_pool(ngx_pad_api_t *api);
static void ngx_pad_api_get_pool_read(ngx_pad_api_t *api);
static void ngx_pad_api_authors(ngx_pad_api_t *api);
static void ngx_pad_api_authors_read(ngx_pad_api_t *api);
static void ngx_pad_api_changeset(ngx_pad_api_t *api);
static void ngx_pad_api_last_edited(ngx_pad_api_t *api);
static void ngx_pad_api_chat_head(ngx_pad_api_t *api);
static void ngx_pad_api_get_readonly_id(ngx_pad_api_t *api);
static void ngx_pad_api_head(ngx_pad_api_t *api, ngx_uint_t what);
static void ngx_pad_api_head_done(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_readonly_id(ngx_pad_api_t *api);
static void ngx_pad_api_readonly_id_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_pad_id(ngx_pad_api_t *api);
static void ngx_pad_api_pad_id_done(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_check_token(ngx_pad_api_t *api);


/* what a head read answers: which function asked */
typedef enum {
    NGX_PAD_API_HEAD_COUNT = 0,
    NGX_PAD_API_HEAD_CHANGESET,
    NGX_PAD_API_HEAD_EDITED,
    NGX_PAD_API_HEAD_CHAT,
    NGX_PAD_API_HEAD_EXISTS
} ngx_pad_api_head_e;


const ngx_pad_api_fn_t  ngx_pad_api_read_fns[] = {

    { ngx_string("getRevisionsCount"), NGX_PAD_API_V1,
      { "padID", NULL }, { NULL }, ngx_pad_api_revisions_count },

    { ngx_string("getText"), NGX_PAD_API_V1,
      { "padID", "rev", NULL }, { NULL }, ngx_pad_api_get_text },

    { ngx_string("getHTML"), NGX_PAD_API_V1,
      { "padID", "rev", NULL }, { NULL }, ngx_pad_api_get_html },

    { ngx_string("getLastEdited"), NGX_PAD_API_V1,
      { "padID", NULL }, { NULL }, ngx_pad_api_last_edited },

    { ngx_string("getReadOnlyID"), NGX_PAD_API_V1,
      { "padID", NULL }, { NULL }, ngx_pad_api_get_readonly_id },

    { ngx_string("listAuthorsOfPad"), NGX_PAD_API_V1,
      { "padID", NULL }, { NULL }, ngx_pad_api_authors },

    { ngx_string("checkToken"), NGX_PAD_API_V1_2,
      { NULL }, { NULL }, ngx_pad_api_check_token },

    { ngx_string("getChatHead"), NGX_PAD_API_V1_2_7,
      { "padID", NULL }, { NULL }, ngx_pad_api_chat_head },

    { ngx_string("getAttributePool"), NGX_PAD_API_V1_2_8,
      { "padID", NULL }, { NULL }, ngx_pad_api_get_pool },

    { ngx_string("getRevisionChangeset"), NGX_PAD_API_V1_2_8,
      { "padID", "rev", NULL }, { NULL }, ngx_pad_api_changeset },

    { ngx_string("getPadID"), NGX_PAD_API_V1_2_10,
      { "roID", NULL }, { NULL }, ngx_pad_api_pad_id },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};



/*
 * The functions answered from head.lua: head, chat head, the record at
 * "rev" and at the head.
 */

static void
ngx_pad_api_revisions_count(ngx_pad_api_t *api)
{
    ngx_pad_api_head(api, NGX_PAD_API_HEAD_COUNT);
}


static void
ngx_pad_api_changeset(ngx_pad_api_t *api)
{
    ngx_pad_api_head(api, NGX_PAD_API_HEAD_CHANGESET);
}


static void
ngx_pad_api_last_edited(ngx_pad_api_t *api)
{
    ngx_pad_api_head(api, NGX_PAD_API_HEAD_EDITED);
}


static void
ngx_pad_api_chat_head(ngx_pad_api_t *api)
{
    ngx_pad_api_head(api, NGX_PAD_API_HEAD_CHAT);
}


static void
ngx_pad_api_get_readonly_id(ngx_pad_api_t *api)
{
    ngx_pad_api_head(api, NGX_PAD_API_HEAD_EXISTS);
}


static void
ngx_pad_api_head(ngx_pad_api_t *api, ngx_uint_t what)
{
    ngx_str_t  *pad;

    static ngx_str_t  none = ngx_string("");

    if (what == NGX_PAD_API_HEAD_CHANGESET
        && ngx_pad_api_rev(api, "rev") != NGX_OK)
    {
        return;
    }

    if (ngx_pad_api_pad_arg(api, &pad) != NGX_OK) {
        return;
    }

    api->data = (void *) (uintptr_t) what;

    api->sreq = ngx_pad_store_head(pad, api->rev, &none,
                                   ngx_pad_api_head_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_head_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    json_t        *j, *rec;
    int64_t        ts;
    ngx_str_t     *record;
    ngx_uint_t     what;
    json_error_t   err;
    ngx_pad_str_t  cs;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK || res->head < 0) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID does not exist");
        return;
    }

    what = (ngx_uint_t) (uintptr_t) api->data;

    switch (what) {

    case NGX_PAD_API_HEAD_COUNT:
        ngx_pad_api_ok(api, json_pack("{s:I}", "revisions",
                                      (json_int_t) res->head));
        return;

    case NGX_PAD_API_HEAD_CHAT:
        ngx_pad_api_ok(api, json_pack("{s:I}", "chatHead",
                                      (json_int_t) res->chat_head));
        return;

    case NGX_PAD_API_HEAD_EXISTS:
        ngx_pad_api_readonly_id(api);
        return;

    default:
        break;
    }

    if (what == NGX_PAD_API_HEAD_CHANGESET && api->rev > res->head) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "rev is higher than the head revision of the pad");
        return;
    }

    record = (what == NGX_PAD_API_HEAD_CHANGESET && api->rev >= 0)
             ? &res->record : &res->head_record;

    rec = json_loadb((char *) record->data, record->len, 0, &err);

    if (rec == NULL
        || (what == NGX_PAD_API_HEAD_CHANGESET
            && ngx_pad_msg_get_str(rec, "cs", &cs) != 0)
        || (what == NGX_PAD_API_HEAD_EDITED
            && ngx_pad_msg_get_int(rec, "ts", &ts) != 0))
    {
        ngx_log_error(NGX_LOG_ERR, api->log, 0,
                      "pad api: %V: a bad or missing revision record",
                      &api->fn->name);
        json_decref(rec);
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    if (what == NGX_PAD_API_HEAD_CHANGESET) {
        j = json_stringn(cs.data, cs.len);

    } else {
        j = json_pack("{s:I}", "lastEdited", (json_int_t) ts);
    }

    json_decref(rec);

    ngx_pad_api_ok(api, j);
}


/* getReadOnlyID: the pad's read-only id, made when it has none */

static void
ngx_pad_api_readonly_id(ngx_pad_api_t *api)
{
    u_char      buf[34];
    ngx_str_t   candidate;

    buf[0] = 'r';
    buf[1] = '.';
    ngx_pad_store_random_id(buf + 2, 32);
    candidate.data = buf;
    candidate.len = 34;

    api->sreq = ngx_pad_store_readonly_id(ngx_pad_api_arg(api, "padID"),
                                          &candidate,
                                          ngx_pad_api_readonly_id_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_readonly_id_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:s%}", "readOnlyID",
                                  (char *) res->value.data,
                                  (size_t) res->value.len));
}


/* getPadID(roID) */

static void
ngx_pad_api_pad_id(ngx_pad_api_t *api)
{
    ngx_str_t      *ro;
    ngx_pad_str_t   ps;

    ro = ngx_pad_api_arg(api, "roID");

    if (ro) {
        ps.data = (const char *) ro->data;
        ps.len = ro->len;
    }

    if (ro == NULL || !ngx_pad_msg_is_readonly_id(&ps)) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID does not exist");
        return;
    }

    api->sreq = ngx_pad_store_readonly_pad(ro, ngx_pad_api_pad_id_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_pad_id_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID does not exist");
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:s%}", "padID",
                                  (char *) res->value.data,
                                  (size_t) res->value.len));
}


/*
 * getText(padID, [rev]): a revision's text as stored; without rev the
 * head's as Etherpad's getTXTFromAtext renders it (list markers).
 */

static void
ngx_pad_api_get_text(ngx_pad_api_t *api)
{
    if (ngx_pad_api_rev(api, "rev") != NGX_OK) {
        return;
    }

    (void) ngx_pad_api_read_pad(api, api->rev, api->rev < 0,
                                ngx_pad_api_get_text_read);
}


static void
ngx_pad_api_get_text_read(ngx_pad_api_t *api)
{
    if (api->rev > api->rd.stored_head) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "rev is higher than the head revision of the pad");
        return;
    }

    if (api->rev < 0) {
        ngx_pad_api_render(api, 0);
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:s%}", "text", api->rd.text.data,
                                  api->rd.text.len));
}


/* getHTML(padID, [rev]): exportHtml.getPadHTML in <html><body> */

static void
ngx_pad_api_get_html(ngx_pad_api_t *api)
{
    if (ngx_pad_api_rev(api, "rev") != NGX_OK) {
        return;
    }

    (void) ngx_pad_api_read_pad(api, api->rev, 1, ngx_pad_api_get_html_read);
}


static void
ngx_pad_api_get_html_read(ngx_pad_api_t *api)
{
    if (api->rev > api->rd.stored_head) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "rev is higher than the head revision of the pad");
        return;
    }

    ngx_pad_api_render(api, 1);
}


static void
ngx_pad_api_render(ngx_pad_api_t *api, ngx_uint_t html)
{
    intptr_t              rc;
    ngx_pad_ctx_t        *es;
    ngx_pad_str_t         out;
    ngx_pad_atext_t       at;
    ngx_pad_html_opts_t   opts;

    es = ngx_pad_ctx_create();
    if (es == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ngx_pad_html_opts_init(&opts);

    at.text = api->rd.text;
    at.attribs = api->rd.attribs;

    rc = html ? ngx_pad_html_api_html(es, &at, api->rd.apool, &opts, &out)
              : ngx_pad_html_get_txt(es, &at, api->rd.apool, &opts, &out);

    if (rc != NGX_PAD_HTML_OK) {
        ngx_log_error(NGX_LOG_ERR, api->log, 0,
                      "pad api: %V of \"%V\": %s", &api->fn->name,
                      &api->rd.pad, ngx_pad_ctx_error(es));
        ngx_pad_ctx_destroy(es);
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:s%}", html ? "html" : "text",
                                  out.data, out.len));

    ngx_pad_ctx_destroy(es);
}


/* getAttributePool: the pool as the AttributePool object serializes */

static void
ngx_pad_api_get_pool(ngx_pad_api_t *api)
{
    (void) ngx_pad_api_read_pad(api, 0, 0, ngx_pad_api_get_pool_read);
}


static void
ngx_pad_api_get_pool_read(ngx_pad_api_t *api)
{
    char          *key;
    size_t         len;
    json_t        *pool, *nta, *a2n, *v, *k, *val;
    const char    *num;
    json_error_t   err;

    pool = json_loadb((char *) api->rd.pool_json.data, api->rd.pool_json.len,
                      0, &err);
    nta = json_object_get(pool, "numToAttrib");
    a2n = json_object();

    if (!json_is_object(nta) || a2n == NULL) {
        goto failed;
    }

    json_object_foreach(nta, num, v) {
        k = json_array_get(v, 0);
        val = json_array_get(v, 1);

        if (!json_is_string(k) || !json_is_string(val)) {
            goto failed;
        }

        /* String([key, value]) */

        len = json_string_length(k) + 1 + json_string_length(val);

        key = ngx_pnalloc(api->r->pool, len + 1);
        if (key == NULL) {
            goto failed;
        }

        ngx_sprintf((u_char *) key, "%s,%s%Z", json_string_value(k),
                    json_string_value(val));

        if (json_object_set_new(a2n, key,
                                json_integer(ngx_atoi((u_char *) num,
                                                      ngx_strlen(num))))
            != 0)
        {
            goto failed;
        }
    }

    v = json_object_get(pool, "nextNum");

    ngx_pad_api_ok(api, json_pack("{s:{s:O, s:o, s:O}}", "pool",
                                  "numToAttrib", nta, "attribToNum", a2n,
                                  "nextNum", v ? v : json_integer(0)));
    json_decref(pool);
    return;

failed:

    json_decref(pool);
    json_decref(a2n);
    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
}


/* listAuthorsOfPad: the authors in the pool (Pad.getAllAuthors) */

static void
ngx_pad_api_authors(ngx_pad_api_t *api)
{
    (void) ngx_pad_api_read_pad(api, 0, 0, ngx_pad_api_authors_read);
}


static void
ngx_pad_api_authors_read(ngx_pad_api_t *api)
{
    json_t        *pool, *nta, *ids, *v, *k, *val;
    const char    *num;
    json_error_t   err;

    pool = json_loadb((char *) api->rd.pool_json.data, api->rd.pool_json.len,
                      0, &err);
    nta = json_object_get(pool, "numToAttrib");
    ids = json_array();

    if (ids == NULL) {
        json_decref(pool);
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    json_object_foreach(nta, num, v) {
        k = json_array_get(v, 0);
        val = json_array_get(v, 1);

        if (json_is_string(k) && ngx_strcmp(json_string_value(k), "author")
                                 == 0
            && json_is_string(val) && json_string_length(val) > 0)
        {
            json_array_append(ids, val);
        }
    }

    json_decref(pool);

    ngx_pad_api_ok(api, json_pack("{s:o}", "authorIDs", ids));
}


static void
ngx_pad_api_check_token(ngx_pad_api_t *api)
{
    ngx_pad_api_ok(api, NULL);
}
