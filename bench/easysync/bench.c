/*
 * C side of the Easysync benchmark: the engine on the corpus of gen.js.
 * Prints one line per (pad, op): "name op ops_per_second".
 *
 *   bench-easysync CORPUSDIR [SECONDS]
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_pool_json.h"


#define NCASES  64


typedef struct {
    ngx_pad_str_t  cs1, cs2, cs3;
} bench_case_t;


typedef struct {
    ngx_pad_ctx_t    *ctx;
    ngx_pad_pool_t   *pool;
    ngx_pad_atext_t   atext;
    bench_case_t      cases[NCASES];
    size_t            n;
    size_t            sink;
} bench_t;


typedef int (*bench_op_pt)(bench_t *b, size_t i);


static double
now(void)
{
    struct timespec  ts;

    /* CPU time: the machine may be shared */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static int
op_follow(bench_t *b, size_t i)
{
    ngx_pad_str_t  out;

    if (ngx_pad_cs_follow(b->ctx, &b->cases[i].cs1, &b->cases[i].cs2, 0,
                          b->pool, &out)
        != NGX_PAD_CS_OK)
    {
        return -1;
    }

    b->sink += out.len;

    return 0;
}


static int
op_compose(bench_t *b, size_t i)
{
    ngx_pad_str_t  out;

    if (ngx_pad_cs_compose(b->ctx, &b->cases[i].cs1, &b->cases[i].cs3,
                           b->pool, &out)
        != NGX_PAD_CS_OK)
    {
        return -1;
    }

    b->sink += out.len;

    return 0;
}


static int
op_apply(bench_t *b, size_t i)
{
    ngx_pad_atext_t  out;

    if (ngx_pad_cs_apply_to_atext(b->ctx, &b->cases[i].cs1, &b->atext,
                                  b->pool, &out)
        != NGX_PAD_CS_OK)
    {
        return -1;
    }

    b->sink += out.attribs.len;

    return 0;
}


static double
run(bench_t *b, bench_op_pt op, double secs)
{
    size_t  i, ops;
    double  t0, el;

    for (i = 0; i < b->n; i++) {
        ngx_pad_ctx_reset(b->ctx);

        if (op(b, i) != 0) {
            fprintf(stderr, "bench: %s\n", ngx_pad_ctx_error(b->ctx));
            exit(1);
        }
    }

    ops = 0;
    t0 = now();

    do {
        for (i = 0; i < b->n; i++) {
            ngx_pad_ctx_reset(b->ctx);

            if (op(b, i) != 0) {
                fprintf(stderr, "bench: %s\n", ngx_pad_ctx_error(b->ctx));
                exit(1);
            }
        }

        ops += b->n;
        el = now() - t0;
    } while (el < secs);

    return ops / el;
}


static ngx_pad_str_t
str(json_t *j)
{
    ngx_pad_str_t  s;

    s.data = json_string_value(j);
    s.len = json_string_length(j);

    return s;
}


int
main(int argc, char **argv)
{
    char          path[4096], err[256];
    size_t        i, k;
    double        secs;
    json_t       *j, *c;
    bench_t       b;
    json_error_t  jerr;

    static const char  *names[] = { "1KB", "100KB", "1MB" };

    if (argc < 2) {
        fprintf(stderr, "usage: bench-easysync CORPUSDIR [SECONDS]\n");
        return 2;
    }

    secs = argc > 2 ? atof(argv[2]) : 1.0;

    b.ctx = ngx_pad_ctx_create();
    b.sink = 0;

    for (k = 0; k < 3; k++) {
        snprintf(path, sizeof(path), "%s/pad-%s.json", argv[1], names[k]);

        j = json_load_file(path, 0, &jerr);
        if (j == NULL) {
            fprintf(stderr, "bench: %s: %s\n", path, jerr.text);
            return 1;
        }

        b.pool = ngx_pad_pool_create();

        if (ngx_pad_pool_from_json(b.pool, json_object_get(j, "pool"), err,
                                   sizeof(err))
            != 0)
        {
            fprintf(stderr, "bench: %s\n", err);
            return 1;
        }

        b.atext.text = str(json_object_get(json_object_get(j, "atext"),
                                           "text"));
        b.atext.attribs = str(json_object_get(json_object_get(j, "atext"),
                                              "attribs"));

        b.n = 0;

        json_array_foreach(json_object_get(j, "cases"), i, c) {
            if (b.n == NCASES) {
                break;
            }

            b.cases[b.n].cs1 = str(json_object_get(c, "cs1"));
            b.cases[b.n].cs2 = str(json_object_get(c, "cs2"));
            b.cases[b.n].cs3 = str(json_object_get(c, "cs3"));
            b.n++;
        }

        printf("%s follow %.0f\n", names[k], run(&b, op_follow, secs));
        printf("%s compose %.0f\n", names[k], run(&b, op_compose, secs));
        printf("%s applyToAText %.0f\n", names[k], run(&b, op_apply, secs));
        fflush(stdout);

        ngx_pad_pool_destroy(b.pool);
        json_decref(j);
    }

    ngx_pad_ctx_destroy(b.ctx);

    return b.sink == 42;
}
