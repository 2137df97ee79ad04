/*
 * pad-changeset: command-line front end of the Easysync engine.
 *
 *   pad-changeset --jsonl          one JSON request per stdin line, one
 *                                  JSON reply per stdout line, until EOF
 *   pad-changeset check CS         checkRep
 *   pad-changeset unpack CS
 *   pad-changeset apply CS         apply CS to the text on stdin
 *   pad-changeset compose CS1 CS2
 *   pad-changeset follow CS1 CS2 [reverse]
 *   pad-changeset splice TEXT START NDEL INS
 *
 * Requests, one JSON object per line (pools are
 * {"numToAttrib":{...},"nextNum":n}; an absent pool is empty):
 *   checkRep {cs}                        -> {"ok":cs}
 *   unpack {cs}            -> {"ok":{oldLen,newLen,ops,charBank}}
 *   pack {oldLen,newLen,ops,bank}        -> {"ok":cs}
 *   applyToText {cs,text}                -> {"ok":text}
 *   applyToAText {cs,atext:{text,attribs},pool}
 *                                        -> {"ok":{text,attribs},"pool":P'}
 *   compose {cs1,cs2,pool}               -> {"ok":cs,"pool":P'}
 *   follow {cs1,cs2,reverse,pool}        -> {"ok":cs,"pool":P'}
 *   moveOpsToNewPool {cs,from,to}        -> {"ok":cs,"to":P'}
 *   prepareForWire {cs,pool}     -> {"ok":{"translated":cs,"pool":P'}}
 *   makeSplice {text,start,ndel,ins[,attribs]}   -> {"ok":cs}
 *   inverse {cs,atext,pool}              -> {"ok":cs,"pool":P'}
 *   identity {n}, isIdentity {cs}        -> {"ok":cs}, {"ok":bool}
 *   makeAText {text[,attribs]}           -> {"ok":{text,attribs}}
 *   any failure                          -> {"err":"message"}
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_pool_json.h"


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


static void
pc_print_err(const char *msg)
{
    char    *s, *d;
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
        fputs("{\"err\":\"out of memory\"}\n", stdout);
        return;
    }

    json_dumpf(j, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(j);
}


static int
pc_jsonl(void)
{
    char          *line;
    size_t         cap;
    ssize_t        n;
    json_t        *req, *reply;
    pc_state_t     st;
    json_error_t   jerr;

    st.ctx = ngx_pad_ctx_create();
    if (st.ctx == NULL) {
        fprintf(stderr, "pad-changeset: out of memory\n");
        return 1;
    }

    line = NULL;
    cap = 0;

    while ((n = getline(&line, &cap, stdin)) >= 0) {
        if (n > 0 && line[n - 1] == '\n') {
            n--;
        }

        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }

        req = json_loadb(line, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

        if (req == NULL) {
            snprintf(st.err, sizeof(st.err), "invalid JSON: %s", jerr.text);
            pc_print_err(st.err);

        } else {
            st.err[0] = '\0';
            reply = pc_handle(&st, req);

            if (reply == NULL) {
                pc_print_err(st.err);

            } else if (json_dumpf(reply, stdout, JSON_COMPACT) != 0) {
                pc_print_err("cannot serialize the reply");

            } else {
                fputc('\n', stdout);
            }

            json_decref(reply);
            json_decref(req);
        }

        fflush(stdout);
        ngx_pad_ctx_reset(st.ctx);
    }

    free(line);
    ngx_pad_ctx_destroy(st.ctx);

    return 0;
}


static void
pc_usage(void)
{
    fputs("usage: pad-changeset --jsonl\n"
          "       pad-changeset check CS\n"
          "       pad-changeset unpack CS\n"
          "       pad-changeset apply CS < text\n"
          "       pad-changeset compose CS1 CS2\n"
          "       pad-changeset follow CS1 CS2 [reverse]\n"
          "       pad-changeset splice TEXT START NDEL INS\n", stderr);
}


static ngx_pad_str_t
pc_arg(const char *s)
{
    ngx_pad_str_t  r;

    r.data = s;
    r.len = strlen(s);

    return r;
}


int
main(int argc, char **argv)
{
    int               rc;
    char             *text;
    size_t            len, cap;
    size_t            k;
    ngx_pad_cs_t      u;
    ngx_pad_str_t     a, b, c, out;
    ngx_pad_ctx_t    *ctx;
    ngx_pad_pool_t   *pool;

    if (argc == 2 && strcmp(argv[1], "--jsonl") == 0) {
        return pc_jsonl();
    }

    if (argc < 3) {
        pc_usage();
        return 2;
    }

    ctx = ngx_pad_ctx_create();
    pool = ngx_pad_pool_create();

    if (ctx == NULL || pool == NULL) {
        fprintf(stderr, "pad-changeset: out of memory\n");
        return 1;
    }

    rc = NGX_PAD_CS_ERROR;
    out.len = 0;
    out.data = "";
    a = pc_arg(argv[2]);

    if (strcmp(argv[1], "check") == 0) {
        rc = ngx_pad_cs_check_rep(ctx, &a);
        out = a;

    } else if (strcmp(argv[1], "unpack") == 0) {
        rc = ngx_pad_cs_unpack(ctx, &a, &u);

        if (rc == NGX_PAD_CS_OK) {
            printf("oldLen %ld\nnewLen %ld\nops %.*s\ncharBank %.*s\n",
                   (long) u.old_len, (long) u.new_len, (int) u.ops.len,
                   u.ops.data, (int) u.bank.len, u.bank.data);
            goto done;
        }

    } else if (strcmp(argv[1], "apply") == 0) {
        len = 0;
        cap = 65536;
        text = malloc(cap);

        while (text && (k = fread(text + len, 1, cap - len, stdin)) > 0) {
            len += k;

            if (len == cap) {
                cap *= 2;
                text = realloc(text, cap);
            }
        }

        if (text == NULL) {
            fprintf(stderr, "pad-changeset: out of memory\n");
            return 1;
        }

        b.data = text;
        b.len = len;
        rc = ngx_pad_cs_apply_to_text(ctx, &a, &b, &out);

        if (rc == NGX_PAD_CS_OK) {
            fwrite(out.data, 1, out.len, stdout);
            free(text);
            goto done;
        }

        free(text);

    } else if ((strcmp(argv[1], "compose") == 0
                || strcmp(argv[1], "follow") == 0) && argc >= 4)
    {
        b = pc_arg(argv[3]);

        if (argv[1][0] == 'c') {
            rc = ngx_pad_cs_compose(ctx, &a, &b, pool, &out);

        } else {
            rc = ngx_pad_cs_follow(ctx, &a, &b,
                                   argc >= 5 && strcmp(argv[4], "reverse")
                                                == 0, pool, &out);
        }

    } else if (strcmp(argv[1], "splice") == 0 && argc >= 6) {
        c = pc_arg(argv[5]);
        rc = ngx_pad_cs_make_splice(ctx, &a, atol(argv[3]), atol(argv[4]),
                                    &c, NULL, &out);

    } else {
        pc_usage();
        return 2;
    }

    if (rc != NGX_PAD_CS_OK) {
        fprintf(stderr, "pad-changeset: %s\n", ngx_pad_ctx_error(ctx));
        ngx_pad_ctx_destroy(ctx);
        ngx_pad_pool_destroy(pool);
        return 1;
    }

    printf("%.*s\n", (int) out.len, out.data);

done:

    ngx_pad_ctx_destroy(ctx);
    ngx_pad_pool_destroy(pool);

    return 0;
}
