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

#include "easysync/ngx_pad_cs.h"
#include "pad_changeset_req.h"


static int
pc_jsonl(void)
{
    char           *line, *reply;
    size_t          cap;
    ssize_t         n;
    ngx_pad_ctx_t  *ctx;

    ctx = ngx_pad_ctx_create();
    if (ctx == NULL) {
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

        reply = pad_changeset_reply(ctx, line, n);

        if (reply == NULL) {
            fputs("{\"err\":\"out of memory\"}\n", stdout);

        } else {
            fputs(reply, stdout);
            fputc('\n', stdout);
            free(reply);
        }

        fflush(stdout);
        ngx_pad_ctx_reset(ctx);
    }

    free(line);
    ngx_pad_ctx_destroy(ctx);

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
