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


/*
 * What one op gives back: ok (with the pool it changed as "pool"), or the
 * whole reply; the pools it read, destroyed after the reply is made.
 */

typedef struct {
    json_t          *ok;
    json_t          *pool_json;
    json_t          *reply;
    ngx_pad_pool_t  *pool;
    ngx_pad_pool_t  *pool2;
} pc_result_t;


/* 0, or -1 with st->err set */
typedef int (*pc_op_pt)(pc_state_t *st, json_t *req, pc_result_t *r);


static int
pc_op_check_rep(pc_state_t *st, json_t *req, pc_result_t *r)
{
    ngx_pad_str_t  cs;

    if (pc_get_str(st, req, "cs", &cs) != 0) {
        return -1;
    }

    if (ngx_pad_cs_check_rep(st->ctx, &cs) != NGX_PAD_CS_OK) {
        return pc_engine_error(st);
    }

    r->ok = pc_str(&cs);

    return 0;
}


static int
pc_op_unpack(pc_state_t *st, json_t *req, pc_result_t *r)
{
    ngx_pad_cs_t   u;
    ngx_pad_str_t  cs;

    if (pc_get_str(st, req, "cs", &cs) != 0) {
        return -1;
    }

    if (ngx_pad_cs_unpack(st->ctx, &cs, &u) != NGX_PAD_CS_OK) {
        return pc_engine_error(st);
    }

    r->ok = json_pack("{s:I,s:I,s:s#,s:s#}",
                      "oldLen", (json_int_t) u.old_len,
                      "newLen", (json_int_t) u.new_len,
                      "ops", u.ops.data, u.ops.len,
                      "charBank", u.bank.data, u.bank.len);

    return 0;
}


static int
pc_op_pack(pc_state_t *st, json_t *req, pc_result_t *r)
{
    intptr_t       n1, n2;
    ngx_pad_str_t  s1, s2, out;

    if (pc_get_int(st, req, "oldLen", &n1) != 0
        || pc_get_int(st, req, "newLen", &n2) != 0
        || pc_get_str(st, req, "ops", &s1) != 0
        || pc_get_str(st, req, "bank", &s2) != 0)
    {
        return -1;
    }

    if (ngx_pad_cs_pack(st->ctx, n1, n2, &s1, &s2, &out) != NGX_PAD_CS_OK) {
        return pc_engine_error(st);
    }

    r->ok = pc_str(&out);

    return 0;
}


static int
pc_op_apply_to_text(pc_state_t *st, json_t *req, pc_result_t *r)
{
    ngx_pad_str_t  cs, text, out;

    if (pc_get_str(st, req, "cs", &cs) != 0
        || pc_get_str(st, req, "text", &text) != 0)
    {
        return -1;
    }

    if (ngx_pad_cs_apply_to_text(st->ctx, &cs, &text, &out)
        != NGX_PAD_CS_OK)
    {
        return pc_engine_error(st);
    }

    r->ok = pc_str(&out);

    return 0;
}


static int
pc_op_apply_to_atext(pc_state_t *st, json_t *req, pc_result_t *r)
{
    ngx_pad_str_t    cs;
    ngx_pad_atext_t  at, atout;

    if (pc_get_str(st, req, "cs", &cs) != 0
        || pc_get_atext(st, req, &at) != 0
        || (r->pool = pc_get_pool(st, req, "pool")) == NULL)
    {
        return -1;
    }

    if (ngx_pad_cs_apply_to_atext(st->ctx, &cs, &at, r->pool, &atout)
        != NGX_PAD_CS_OK)
    {
        return pc_engine_error(st);
    }

    r->ok = json_pack("{s:s#,s:s#}", "text", atout.text.data,
                      atout.text.len, "attribs", atout.attribs.data,
                      atout.attribs.len);
    r->pool_json = ngx_pad_pool_to_json(r->pool);

    return 0;
}


/* the "cs1", "cs2" and "pool" of compose and follow */

static int
pc_get_two(pc_state_t *st, json_t *req, ngx_pad_str_t *cs1,
    ngx_pad_str_t *cs2, pc_result_t *r)
{
    if (pc_get_str(st, req, "cs1", cs1) != 0
        || pc_get_str(st, req, "cs2", cs2) != 0
        || (r->pool = pc_get_pool(st, req, "pool")) == NULL)
    {
        return -1;
    }

    return 0;
}


static int
pc_op_compose(pc_state_t *st, json_t *req, pc_result_t *r)
{
    ngx_pad_str_t  cs1, cs2, out;

    if (pc_get_two(st, req, &cs1, &cs2, r) != 0) {
        return -1;
    }

    if (ngx_pad_cs_compose(st->ctx, &cs1, &cs2, r->pool, &out)
        != NGX_PAD_CS_OK)
    {
        return pc_engine_error(st);
    }

    r->ok = pc_str(&out);
    r->pool_json = ngx_pad_pool_to_json(r->pool);

    return 0;
}


static int
pc_op_follow(pc_state_t *st, json_t *req, pc_result_t *r)
{
    json_t         *rev;
    ngx_pad_str_t   cs1, cs2, out;

    if (pc_get_two(st, req, &cs1, &cs2, r) != 0) {
        return -1;
    }

    rev = json_object_get(req, "reverse");

    if (rev != NULL && !json_is_boolean(rev) && !json_is_null(rev)) {
        snprintf(st->err, sizeof(st->err), "\"reverse\" must be a boolean");
        return -1;
    }

    if (ngx_pad_cs_follow(st->ctx, &cs1, &cs2, json_is_true(rev), r->pool,
                          &out)
        != NGX_PAD_CS_OK)
    {
        return pc_engine_error(st);
    }

    r->ok = pc_str(&out);
    r->pool_json = ngx_pad_pool_to_json(r->pool);

    return 0;
}


static int
pc_op_move_ops(pc_state_t *st, json_t *req, pc_result_t *r)
{
    ngx_pad_str_t  cs, out;

    if (pc_get_str(st, req, "cs", &cs) != 0
        || (r->pool = pc_get_pool(st, req, "from")) == NULL
        || (r->pool2 = pc_get_pool(st, req, "to")) == NULL)
    {
        return -1;
    }

    if (ngx_pad_cs_move_ops_to_new_pool(st->ctx, &cs, r->pool, r->pool2,
                                        &out)
        != NGX_PAD_CS_OK)
    {
        return pc_engine_error(st);
    }

    r->reply = json_pack("{s:s#,s:o*}", "ok", out.data, out.len,
                         "to", ngx_pad_pool_to_json(r->pool2));

    return 0;
}


static int
pc_op_prepare_for_wire(pc_state_t *st, json_t *req, pc_result_t *r)
{
    ngx_pad_str_t  cs, out;

    if (pc_get_str(st, req, "cs", &cs) != 0
        || (r->pool = pc_get_pool(st, req, "pool")) == NULL)
    {
        return -1;
    }

    r->pool2 = ngx_pad_pool_create();
    if (r->pool2 == NULL) {
        snprintf(st->err, sizeof(st->err), "out of memory");
        return -1;
    }

    if (ngx_pad_cs_prepare_for_wire(st->ctx, &cs, r->pool, r->pool2, &out)
        != NGX_PAD_CS_OK)
    {
        return pc_engine_error(st);
    }

    r->ok = json_pack("{s:s#,s:o*}", "translated", out.data, out.len,
                      "pool", ngx_pad_pool_to_json(r->pool2));

    return 0;
}


static int
pc_op_make_splice(pc_state_t *st, json_t *req, pc_result_t *r)
{
    intptr_t        start, ndel;
    ngx_pad_str_t   text, ins, a, out, *attribs;

    if (pc_get_str(st, req, "text", &text) != 0
        || pc_get_int(st, req, "start", &start) != 0
        || pc_get_int(st, req, "ndel", &ndel) != 0
        || pc_get_str(st, req, "ins", &ins) != 0)
    {
        return -1;
    }

    attribs = NULL;

    if (json_object_get(req, "attribs") != NULL) {
        if (pc_get_str(st, req, "attribs", &a) != 0) {
            return -1;
        }

        attribs = &a;
    }

    if (ngx_pad_cs_make_splice(st->ctx, &text, start, ndel, &ins, attribs,
                               &out)
        != NGX_PAD_CS_OK)
    {
        return pc_engine_error(st);
    }

    r->ok = pc_str(&out);

    return 0;
}


static int
pc_op_inverse(pc_state_t *st, json_t *req, pc_result_t *r)
{
    ngx_pad_str_t    cs, out;
    ngx_pad_atext_t  at;

    if (pc_get_str(st, req, "cs", &cs) != 0
        || pc_get_atext(st, req, &at) != 0
        || (r->pool = pc_get_pool(st, req, "pool")) == NULL)
    {
        return -1;
    }

    if (ngx_pad_cs_inverse(st->ctx, &cs, &at, r->pool, &out)
        != NGX_PAD_CS_OK)
    {
        return pc_engine_error(st);
    }

    r->ok = pc_str(&out);
    r->pool_json = ngx_pad_pool_to_json(r->pool);

    return 0;
}


static int
pc_op_identity(pc_state_t *st, json_t *req, pc_result_t *r)
{
    intptr_t       n;
    ngx_pad_str_t  out;

    if (pc_get_int(st, req, "n", &n) != 0) {
        return -1;
    }

    if (ngx_pad_cs_identity(st->ctx, n, &out) != NGX_PAD_CS_OK) {
        return pc_engine_error(st);
    }

    r->ok = pc_str(&out);

    return 0;
}


static int
pc_op_is_identity(pc_state_t *st, json_t *req, pc_result_t *r)
{
    int            is_id;
    ngx_pad_str_t  cs;

    if (pc_get_str(st, req, "cs", &cs) != 0) {
        return -1;
    }

    is_id = (int) ngx_pad_cs_is_identity(st->ctx, &cs);

    if (is_id < 0) {
        return pc_engine_error(st);
    }

    r->ok = json_boolean(is_id);

    return 0;
}


static int
pc_op_make_atext(pc_state_t *st, json_t *req, pc_result_t *r)
{
    ngx_pad_str_t    text, a, *attribs;
    ngx_pad_atext_t  atout;

    if (pc_get_str(st, req, "text", &text) != 0) {
        return -1;
    }

    attribs = NULL;

    if (json_object_get(req, "attribs") != NULL) {
        if (pc_get_str(st, req, "attribs", &a) != 0) {
            return -1;
        }

        attribs = &a;
    }

    if (ngx_pad_atext_make(st->ctx, &text, attribs, &atout)
        != NGX_PAD_CS_OK)
    {
        return pc_engine_error(st);
    }

    r->ok = json_pack("{s:s#,s:s#}", "text", atout.text.data,
                      atout.text.len, "attribs", atout.attribs.data,
                      atout.attribs.len);

    return 0;
}


static const struct {
    const char  *name;
    pc_op_pt     handler;
} pc_ops[] = {
    { "checkRep", pc_op_check_rep },
    { "unpack", pc_op_unpack },
    { "pack", pc_op_pack },
    { "applyToText", pc_op_apply_to_text },
    { "applyToAText", pc_op_apply_to_atext },
    { "compose", pc_op_compose },
    { "follow", pc_op_follow },
    { "moveOpsToNewPool", pc_op_move_ops },
    { "prepareForWire", pc_op_prepare_for_wire },
    { "makeSplice", pc_op_make_splice },
    { "inverse", pc_op_inverse },
    { "identity", pc_op_identity },
    { "isIdentity", pc_op_is_identity },
    { "makeAText", pc_op_make_atext },
    { NULL, NULL }
};


/* the reply of one op: {"ok": ..} or {"ok": .., "pool": ..} */

static json_t *
pc_reply(pc_state_t *st, pc_result_t *r)
{
    json_t  *reply;

    if (r->reply) {
        reply = r->reply;
        r->reply = NULL;
        return reply;
    }

    if (r->ok == NULL) {
        snprintf(st->err, sizeof(st->err), "out of memory");
        return NULL;
    }

    if (r->pool_json) {
        reply = json_pack("{s:o,s:o}", "ok", r->ok, "pool", r->pool_json);

    } else {
        reply = json_pack("{s:o}", "ok", r->ok);
    }

    r->ok = NULL;
    r->pool_json = NULL;

    if (reply == NULL) {
        snprintf(st->err, sizeof(st->err), "out of memory");
    }

    return reply;
}


/* returns the reply object, or NULL with st->err set */

static json_t *
pc_handle(pc_state_t *st, json_t *req)
{
    size_t        i;
    json_t       *reply;
    const char   *op;
    pc_result_t   r;

    if (!json_is_object(req)) {
        snprintf(st->err, sizeof(st->err), "request must be an object");
        return NULL;
    }

    op = json_string_value(json_object_get(req, "op"));

    if (op == NULL) {
        snprintf(st->err, sizeof(st->err), "\"op\" must be a string");
        return NULL;
    }

    for (i = 0; pc_ops[i].name; i++) {
        if (strcmp(op, pc_ops[i].name) == 0) {
            break;
        }
    }

    if (pc_ops[i].name == NULL) {
        snprintf(st->err, sizeof(st->err), "unknown op");
        return NULL;
    }

    memset(&r, 0, sizeof(pc_result_t));

    reply = NULL;

    if (pc_ops[i].handler(st, req, &r) == 0) {
        reply = pc_reply(st, &r);
    }

    json_decref(r.ok);
    json_decref(r.pool_json);
    json_decref(r.reply);
    ngx_pad_pool_destroy(r.pool);
    ngx_pad_pool_destroy(r.pool2);

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


