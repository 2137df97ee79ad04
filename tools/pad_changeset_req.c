/*
 * pad-changeset: one JSON request in, one JSON reply out (the --jsonl
 * interface; see pad-changeset.c for the requests).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_pool_json.h"
#include "pad_changeset_req.h"


typedef struct {
    ngx_pad_ctx_t   *ctx;
    char             err[512];
} pc_state_t;


static json_t *
pc_str(const ngx_pad_str_t *s)
{
    return json_stringn(s->data, s->len);
}


static int
pc_get_str(pc_state_t *st, json_t *req, const char *name, ngx_pad_str_t *s)
{
    json_t  *j;

    j = json_object_get(req, name);

    if (!json_is_string(j)) {
        snprintf(st->err, sizeof(st->err), "\"%s\" must be a string", name);
        return -1;
    }

    s->data = json_string_value(j);
    s->len = json_string_length(j);

    return 0;
}


static int
pc_get_int(pc_state_t *st, json_t *req, const char *name, intptr_t *n)
{
    json_t  *j;
    double   d;

    j = json_object_get(req, name);

    if (json_is_integer(j)) {
        *n = (intptr_t) json_integer_value(j);
        return 0;
    }

    if (json_is_real(j)) {
        d = json_real_value(j);

        if (d == (double) (intptr_t) d && d > -9.007199254740992e15
            && d < 9.007199254740992e15)
        {
            *n = (intptr_t) d;
            return 0;
        }
    }

    snprintf(st->err, sizeof(st->err), "\"%s\" must be an integer", name);
    return -1;
}


static ngx_pad_pool_t *
pc_get_pool(pc_state_t *st, json_t *req, const char *name)
{
    json_t          *j;
    ngx_pad_pool_t  *pool;

    pool = ngx_pad_pool_create();
    if (pool == NULL) {
        snprintf(st->err, sizeof(st->err), "out of memory");
        return NULL;
    }

    j = json_object_get(req, name);

    if (j == NULL || json_is_null(j)) {
        return pool;
    }

    if (ngx_pad_pool_from_json(pool, j, st->err, sizeof(st->err)) != 0) {
        ngx_pad_pool_destroy(pool);
        return NULL;
    }

    return pool;
}


static int
pc_get_atext(pc_state_t *st, json_t *req, ngx_pad_atext_t *at)
{
    json_t  *j;

    j = json_object_get(req, "atext");

    if (!json_is_object(j)) {
        snprintf(st->err, sizeof(st->err), "\"atext\" must be an object");
        return -1;
    }

    if (pc_get_str(st, j, "text", &at->text) != 0
        || pc_get_str(st, j, "attribs", &at->attribs) != 0)
    {
        return -1;
    }

    return 0;
}


static int
pc_engine_error(pc_state_t *st)
{
    snprintf(st->err, sizeof(st->err), "%s", ngx_pad_ctx_error(st->ctx));
    return -1;
}


/* returns the reply object, or NULL with st->err set */

static json_t *
pc_handle(pc_state_t *st, json_t *req)
{
    int               is_id;
    json_t           *reply, *ok, *pj, *rev;
    intptr_t          n1, n2;
    const char       *op;
    ngx_pad_str_t     cs, cs2, s1, s2, out, *attribs;
    ngx_pad_cs_t      u;
    ngx_pad_pool_t   *pool, *pool2;
    ngx_pad_atext_t   at, atout;

    ngx_pad_ctx_t    *ctx = st->ctx;

    pool = NULL;
    pool2 = NULL;
    reply = NULL;
    ok = NULL;
    pj = NULL;

    if (!json_is_object(req)) {
        snprintf(st->err, sizeof(st->err), "request must be an object");
        return NULL;
    }

    op = json_string_value(json_object_get(req, "op"));

    if (op == NULL) {
        snprintf(st->err, sizeof(st->err), "\"op\" must be a string");
        return NULL;
    }

    if (strcmp(op, "checkRep") == 0) {
        if (pc_get_str(st, req, "cs", &cs) != 0) {
            return NULL;
        }

        if (ngx_pad_cs_check_rep(ctx, &cs) != NGX_PAD_CS_OK) {
            pc_engine_error(st);
            return NULL;
        }

        ok = pc_str(&cs);

    } else if (strcmp(op, "unpack") == 0) {
        if (pc_get_str(st, req, "cs", &cs) != 0) {
            return NULL;
        }

        if (ngx_pad_cs_unpack(ctx, &cs, &u) != NGX_PAD_CS_OK) {
            pc_engine_error(st);
            return NULL;
        }

        ok = json_pack("{s:I,s:I,s:s#,s:s#}",
                       "oldLen", (json_int_t) u.old_len,
                       "newLen", (json_int_t) u.new_len,
                       "ops", u.ops.data, u.ops.len,
                       "charBank", u.bank.data, u.bank.len);

    } else if (strcmp(op, "pack") == 0) {
        if (pc_get_int(st, req, "oldLen", &n1) != 0
            || pc_get_int(st, req, "newLen", &n2) != 0
            || pc_get_str(st, req, "ops", &s1) != 0
            || pc_get_str(st, req, "bank", &s2) != 0)
        {
            return NULL;
        }

        if (ngx_pad_cs_pack(ctx, n1, n2, &s1, &s2, &out) != NGX_PAD_CS_OK) {
            pc_engine_error(st);
            return NULL;
        }

        ok = pc_str(&out);

    } else if (strcmp(op, "applyToText") == 0) {
        if (pc_get_str(st, req, "cs", &cs) != 0
            || pc_get_str(st, req, "text", &s1) != 0)
        {
            return NULL;
        }

        if (ngx_pad_cs_apply_to_text(ctx, &cs, &s1, &out) != NGX_PAD_CS_OK) {
            pc_engine_error(st);
            return NULL;
        }

        ok = pc_str(&out);

    } else if (strcmp(op, "applyToAText") == 0) {
        if (pc_get_str(st, req, "cs", &cs) != 0
            || pc_get_atext(st, req, &at) != 0
            || (pool = pc_get_pool(st, req, "pool")) == NULL)
        {
            return NULL;
        }

        if (ngx_pad_cs_apply_to_atext(ctx, &cs, &at, pool, &atout)
            != NGX_PAD_CS_OK)
        {
            pc_engine_error(st);
            goto failed;
        }

        ok = json_pack("{s:s#,s:s#}", "text", atout.text.data,
                       atout.text.len, "attribs", atout.attribs.data,
                       atout.attribs.len);
        pj = ngx_pad_pool_to_json(pool);

    } else if (strcmp(op, "compose") == 0 || strcmp(op, "follow") == 0) {
        if (pc_get_str(st, req, "cs1", &cs) != 0
            || pc_get_str(st, req, "cs2", &cs2) != 0
            || (pool = pc_get_pool(st, req, "pool")) == NULL)
        {
            return NULL;
        }

        if (op[0] == 'c') {
            if (ngx_pad_cs_compose(ctx, &cs, &cs2, pool, &out)
                != NGX_PAD_CS_OK)
            {
                pc_engine_error(st);
                goto failed;
            }

        } else {
            rev = json_object_get(req, "reverse");

            if (rev != NULL && !json_is_boolean(rev) && !json_is_null(rev)) {
                snprintf(st->err, sizeof(st->err),
                         "\"reverse\" must be a boolean");
                goto failed;
            }

            if (ngx_pad_cs_follow(ctx, &cs, &cs2, json_is_true(rev), pool,
                                  &out)
                != NGX_PAD_CS_OK)
            {
                pc_engine_error(st);
                goto failed;
            }
        }

        ok = pc_str(&out);
        pj = ngx_pad_pool_to_json(pool);

    } else if (strcmp(op, "moveOpsToNewPool") == 0) {
        if (pc_get_str(st, req, "cs", &cs) != 0
            || (pool = pc_get_pool(st, req, "from")) == NULL
            || (pool2 = pc_get_pool(st, req, "to")) == NULL)
        {
            goto failed;
        }

        if (ngx_pad_cs_move_ops_to_new_pool(ctx, &cs, pool, pool2, &out)
            != NGX_PAD_CS_OK)
        {
            pc_engine_error(st);
            goto failed;
        }

        reply = json_pack("{s:s#,s:o*}", "ok", out.data, out.len,
                          "to", ngx_pad_pool_to_json(pool2));
        goto done;

    } else if (strcmp(op, "prepareForWire") == 0) {
        if (pc_get_str(st, req, "cs", &cs) != 0
            || (pool = pc_get_pool(st, req, "pool")) == NULL)
        {
            goto failed;
        }

        pool2 = ngx_pad_pool_create();
        if (pool2 == NULL) {
            snprintf(st->err, sizeof(st->err), "out of memory");
            goto failed;
        }

        if (ngx_pad_cs_prepare_for_wire(ctx, &cs, pool, pool2, &out)
            != NGX_PAD_CS_OK)
        {
            pc_engine_error(st);
            goto failed;
        }

        ok = json_pack("{s:s#,s:o*}", "translated", out.data, out.len,
                       "pool", ngx_pad_pool_to_json(pool2));

    } else if (strcmp(op, "makeSplice") == 0) {
        if (pc_get_str(st, req, "text", &s1) != 0
            || pc_get_int(st, req, "start", &n1) != 0
            || pc_get_int(st, req, "ndel", &n2) != 0
            || pc_get_str(st, req, "ins", &s2) != 0)
        {
            return NULL;
        }

        attribs = NULL;

        if (json_object_get(req, "attribs") != NULL) {
            if (pc_get_str(st, req, "attribs", &cs2) != 0) {
                return NULL;
            }

            attribs = &cs2;
        }

        if (ngx_pad_cs_make_splice(ctx, &s1, n1, n2, &s2, attribs, &out)
            != NGX_PAD_CS_OK)
        {
            pc_engine_error(st);
            return NULL;
        }

        ok = pc_str(&out);

    } else if (strcmp(op, "inverse") == 0) {
        if (pc_get_str(st, req, "cs", &cs) != 0
            || pc_get_atext(st, req, &at) != 0
            || (pool = pc_get_pool(st, req, "pool")) == NULL)
        {
            return NULL;
        }

        if (ngx_pad_cs_inverse(ctx, &cs, &at, pool, &out) != NGX_PAD_CS_OK) {
            pc_engine_error(st);
            goto failed;
        }

        ok = pc_str(&out);
        pj = ngx_pad_pool_to_json(pool);

    } else if (strcmp(op, "identity") == 0) {
        if (pc_get_int(st, req, "n", &n1) != 0) {
            return NULL;
        }

        if (ngx_pad_cs_identity(ctx, n1, &out) != NGX_PAD_CS_OK) {
            pc_engine_error(st);
            return NULL;
        }

        ok = pc_str(&out);

    } else if (strcmp(op, "isIdentity") == 0) {
        if (pc_get_str(st, req, "cs", &cs) != 0) {
            return NULL;
        }

        is_id = (int) ngx_pad_cs_is_identity(ctx, &cs);

        if (is_id < 0) {
            pc_engine_error(st);
            return NULL;
        }

        ok = json_boolean(is_id);

    } else if (strcmp(op, "makeAText") == 0) {
        if (pc_get_str(st, req, "text", &s1) != 0) {
            return NULL;
        }

        attribs = NULL;

        if (json_object_get(req, "attribs") != NULL) {
            if (pc_get_str(st, req, "attribs", &s2) != 0) {
                return NULL;
            }

            attribs = &s2;
        }

        if (ngx_pad_atext_make(ctx, &s1, attribs, &atout) != NGX_PAD_CS_OK) {
            pc_engine_error(st);
            return NULL;
        }

        ok = json_pack("{s:s#,s:s#}", "text", atout.text.data,
                       atout.text.len, "attribs", atout.attribs.data,
                       atout.attribs.len);

    } else {
        snprintf(st->err, sizeof(st->err), "unknown op");
        return NULL;
    }

    if (ok == NULL) {
        snprintf(st->err, sizeof(st->err), "out of memory");
        goto failed;
    }

    if (pj) {
        reply = json_pack("{s:o,s:o}", "ok", ok, "pool", pj);

    } else {
        reply = json_pack("{s:o}", "ok", ok);
    }

    ok = NULL;
    pj = NULL;

done:

    if (reply == NULL) {
        snprintf(st->err, sizeof(st->err), "out of memory");
    }

failed:

    json_decref(ok);
    json_decref(pj);
    ngx_pad_pool_destroy(pool);
    ngx_pad_pool_destroy(pool2);

    return reply;
}


static char *
pc_err_text(const char *msg)
{
    char    *s, *d, *text;
    json_t  *j;

    j = json_pack("{s:s}", "err", msg);

    if (j == NULL) {
        /* not UTF-8: keep the ASCII part */
        s = strdup(msg);

        if (s) {
            for (d = s; *d; d++) {
                if ((unsigned char) *d >= 0x80 || (unsigned char) *d < 0x20) {
                    *d = '?';
                }
            }

            j = json_pack("{s:s}", "err", s);
            free(s);
        }
    }

    if (j == NULL) {
        return strdup("{\"err\":\"out of memory\"}");
    }

    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);

    return text ? text : strdup("{\"err\":\"out of memory\"}");
}


char *
pad_changeset_reply(ngx_pad_ctx_t *ctx, const char *line, size_t len)
{
    char          *text;
    json_t        *req, *reply;
    pc_state_t     st;
    json_error_t   jerr;

    st.ctx = ctx;
    st.err[0] = '\0';

    req = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

    if (req == NULL) {
        snprintf(st.err, sizeof(st.err), "invalid JSON: %s", jerr.text);
        return pc_err_text(st.err);
    }

    reply = pc_handle(&st, req);
    json_decref(req);

    if (reply == NULL) {
        return pc_err_text(st.err);
    }

    text = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);

    return text ? text : pc_err_text("cannot serialize the reply");
}


