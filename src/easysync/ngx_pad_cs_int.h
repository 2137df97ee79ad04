/*
 * Internals of the Easysync engine shared by its source files.
 */

#ifndef _NGX_PAD_CS_INT_H_INCLUDED_
#define _NGX_PAD_CS_INT_H_INCLUDED_


#include <string.h>

#include "ngx_pad_cs.h"


typedef struct {
    char          *data;
    size_t         len;
    size_t         cap;
} ngx_pad_buf_t;


/* Op.ts: opcode is 0 for the empty op */
typedef struct {
    intptr_t       chars;
    intptr_t       lines;
    ngx_pad_str_t  attribs;
    char           opcode;
} ngx_pad_op_t;


/* deserializeOps() */
typedef struct {
    const char    *pos;
    const char    *end;
    const char    *start;
} ngx_pad_op_iter_t;


/* MergingOpAssembler.ts */
typedef struct {
    ngx_pad_buf_t  out;
    ngx_pad_op_t   op;          /* bufOp */
    ngx_pad_buf_t  attribs;     /* storage of bufOp.attribs */
    intptr_t       extra;       /* bufOpAdditionalCharsAfterNewline */
    ngx_pad_str_t  raw;         /* bufOp as serialized, when known */
    ngx_pad_str_t  run;         /* flushed input bytes not yet in out */
} ngx_pad_massem_t;


/* SmartOpAssembler.ts */
typedef struct {
    ngx_pad_massem_t  minus;
    ngx_pad_massem_t  plus;
    ngx_pad_massem_t  keep;
    ngx_pad_buf_t     out;
    intptr_t          length_change;
    char              last_opcode;
} ngx_pad_sassem_t;


/* StringIterator.ts over UTF-8, counted in UTF-16 units */
typedef struct {
    const char    *pos;
    const char    *end;
} ngx_pad_siter_t;


typedef struct ngx_pad_chunk_s  ngx_pad_chunk_t;

struct ngx_pad_chunk_s {
    ngx_pad_chunk_t  *next;
    size_t            size;
    size_t            used;
};


/* one attribute of an AttributeMap */
typedef struct {
    ngx_pad_str_t  key;
    ngx_pad_str_t  value;
    uintptr_t      dead;      /* deleted (a tombstone) */
} ngx_pad_attr_t;


struct ngx_pad_ctx_s {
    ngx_pad_chunk_t   *chunks;
    ngx_pad_sassem_t   sa;
    ngx_pad_buf_t      text;      /* text / charBank output */
    ngx_pad_buf_t      scratch;   /* composed attribute strings */
    ngx_pad_buf_t      scratch2;
    ngx_pad_attr_t    *attrs;     /* AttributeMap scratch, in order */
    size_t             nattrs;    /* entries, tombstones included */
    size_t             attrs_cap;
    uint32_t          *aidx;      /* key -> entry hash index, or NULL */
    size_t             aidx_size; /* power of 2; 0: no index (small map) */
    size_t             aidx_cap;
    char               err[512];
};


/* ngx_pad_cs_ctx.c */
void ngx_pad_cs_error(ngx_pad_ctx_t *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void *ngx_pad_cs_alloc(ngx_pad_ctx_t *ctx, size_t size);
intptr_t ngx_pad_cs_result(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b,
    ngx_pad_str_t *out);
intptr_t ngx_pad_buf_grow(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, size_t n);
void ngx_pad_buf_free(ngx_pad_buf_t *b);
intptr_t ngx_pad_attrs_reserve(ngx_pad_ctx_t *ctx, size_t n);

intptr_t ngx_pad_utf8_check(const ngx_pad_str_t *s, intptr_t *len16,
    intptr_t *nl);
intptr_t ngx_pad_u16_advance(const char *p, const char *end, intptr_t n,
    intptr_t *nl);
int ngx_pad_str_cmp16(const ngx_pad_str_t *a, const ngx_pad_str_t *b);
const char *ngx_pad_cs_excerpt(const ngx_pad_str_t *s, int *n);

/* StringIterator */
intptr_t ngx_pad_siter_take(ngx_pad_ctx_t *ctx, ngx_pad_siter_t *it,
    intptr_t n, ngx_pad_str_t *s, intptr_t *nl);

extern const signed char  ngx_pad_b36_digit[256];


/* a += b, a -= b: nonzero on overflow (absurd inputs only) */
#define ngx_pad_add(a, b)  __builtin_add_overflow(a, b, &(a))
#define ngx_pad_sub(a, b)  __builtin_sub_overflow(a, b, &(a))


static inline intptr_t
ngx_pad_buf_reserve(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, size_t n)
{
    if (b->cap - b->len >= n) {
        return NGX_PAD_CS_OK;
    }

    return ngx_pad_buf_grow(ctx, b, n);
}


static inline intptr_t
ngx_pad_buf_add(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, const char *p,
    size_t n)
{
    if (n == 0) {
        return NGX_PAD_CS_OK;
    }

    if (b->cap - b->len < n && ngx_pad_buf_grow(ctx, b, n) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    memcpy(b->data + b->len, p, n);
    b->len += n;

    return NGX_PAD_CS_OK;
}


/* n.toString(36) into p (room for 14 bytes); returns the length */

static inline size_t
ngx_pad_num_format(char *p, intptr_t n)
{
    char       tmp[16], *t;
    size_t     len;
    uintptr_t  u;

    if (n >= 0 && n < 36) {
        *p = "0123456789abcdefghijklmnopqrstuvwxyz"[n];
        return 1;
    }

    t = tmp + sizeof(tmp);
    u = n < 0 ? (uintptr_t) 0 - (uintptr_t) n : (uintptr_t) n;

    do {
        *--t = "0123456789abcdefghijklmnopqrstuvwxyz"[u % 36];
        u /= 36;
    } while (u);

    if (n < 0) {
        *--t = '-';
    }

    len = tmp + sizeof(tmp) - t;
    memcpy(p, t, len);

    return len;
}


static inline intptr_t
ngx_pad_buf_add_num(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, intptr_t n)
{
    if (ngx_pad_buf_reserve(ctx, b, 16) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    b->len += ngx_pad_num_format(b->data + b->len, n);

    return NGX_PAD_CS_OK;
}


static inline int
ngx_pad_str_eq(const ngx_pad_str_t *a, const ngx_pad_str_t *b)
{
    size_t  i;

    if (a->len != b->len) {
        return 0;
    }

    for (i = 0; i < a->len; i++) {
        if (a->data[i] != b->data[i]) {
            return 0;
        }
    }

    return 1;
}


/* ngx_pad_cs_ops.c */
intptr_t ngx_pad_parse_num(const char *p, const char *end, intptr_t *n,
    const char **next);
void ngx_pad_op_iter_init(ngx_pad_op_iter_t *it, const ngx_pad_str_t *ops);
intptr_t ngx_pad_op_next(ngx_pad_ctx_t *ctx, ngx_pad_op_iter_t *it,
    ngx_pad_op_t *op);
intptr_t ngx_pad_op_serialize(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b,
    const ngx_pad_op_t *op);
void ngx_pad_sassem_init(ngx_pad_sassem_t *sa);
intptr_t ngx_pad_sassem_append(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa,
    const ngx_pad_op_t *op);
intptr_t ngx_pad_sassem_append_raw(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa,
    const ngx_pad_op_t *op, const ngx_pad_str_t *raw);
int ngx_pad_op_raw_canonical(const ngx_pad_op_t *op, const char *end);
intptr_t ngx_pad_sassem_end_document(ngx_pad_ctx_t *ctx,
    ngx_pad_sassem_t *sa);
intptr_t ngx_pad_sassem_finish(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa);
void ngx_pad_sassem_free(ngx_pad_sassem_t *sa);
intptr_t ngx_pad_ops_from_text(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa,
    char opcode, const ngx_pad_str_t *text, const ngx_pad_str_t *attribs);
intptr_t ngx_pad_pack_buf(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b,
    intptr_t old_len, intptr_t new_len, const ngx_pad_str_t *ops,
    const ngx_pad_str_t *bank);

/* ngx_pad_cs_attr.c */
intptr_t ngx_pad_attrs_from_string(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *s, ngx_pad_pool_t *pool, int empty_is_delete);
intptr_t ngx_pad_attrs_update_from_string(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *s, ngx_pad_pool_t *pool, int empty_is_delete);
intptr_t ngx_pad_attrs_set(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *k, const ngx_pad_str_t *v, int empty_is_delete);
intptr_t ngx_pad_attrs_to_string(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    ngx_pad_buf_t *b);
void ngx_pad_attrs_clear(ngx_pad_ctx_t *ctx);
ngx_pad_attr_t *ngx_pad_attrs_get(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *k);
intptr_t ngx_pad_attrs_put(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *k,
    const ngx_pad_str_t *v);
void ngx_pad_attrs_compact(ngx_pad_ctx_t *ctx);
intptr_t ngx_pad_compose_attributes(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *att1, const ngx_pad_str_t *att2, int is_mutation,
    ngx_pad_pool_t *pool, ngx_pad_str_t *out);
intptr_t ngx_pad_follow_attributes(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *att1, const ngx_pad_str_t *att2,
    ngx_pad_pool_t *pool, ngx_pad_str_t *out);

/* ngx_pad_cs_apply.c */
intptr_t ngx_pad_slicer_zipper(ngx_pad_ctx_t *ctx, ngx_pad_op_t *att_op,
    ngx_pad_op_t *cs_op, ngx_pad_pool_t *pool, ngx_pad_op_t *out);


/*
 * applyZip(in1, in2, func): the zipper loop shared by applyToAText,
 * compose and follow; the ops end up in ctx->sa.out.  Inline, so that each
 * caller gets it specialized for its constant func.
 *
 * pass (NULL: none) is offered each op of in1 once, whole, when it was
 * just read, with the end of its bytes in in1: returning 1 means it
 * appended the op itself (it is consumed), 0 that func takes it as usual.
 */

typedef intptr_t (*ngx_pad_zip_pt)(ngx_pad_ctx_t *ctx, ngx_pad_op_t *op1,
    ngx_pad_op_t *op2, ngx_pad_op_t *out, void *data);
typedef intptr_t (*ngx_pad_zip_pass_pt)(ngx_pad_ctx_t *ctx,
    ngx_pad_op_t *op1, const char *end1, ngx_pad_op_t *op2);


static inline intptr_t
ngx_pad_zip(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *in1,
    const ngx_pad_str_t *in2, ngx_pad_zip_pt func, void *data,
    ngx_pad_zip_pass_pt pass)
{
    static const ngx_pad_str_t  empty = { 0, "" };
    int                 done1, done2, fresh1;
    intptr_t            rc;
    ngx_pad_op_t        op1, op2, out;
    ngx_pad_sassem_t   *sa;
    ngx_pad_op_iter_t   it1, it2;

    sa = &ctx->sa;
    ngx_pad_sassem_init(sa);

    ngx_pad_op_iter_init(&it1, in1);
    ngx_pad_op_iter_init(&it2, in2);

    memset(&op1, 0, sizeof(ngx_pad_op_t));
    memset(&op2, 0, sizeof(ngx_pad_op_t));
    op1.attribs = empty;
    op2.attribs = empty;

    done1 = 0;
    done2 = 0;
    fresh1 = 0;

    while (!done1 || !done2) {

        if (!done1 && op1.opcode == 0) {
            rc = ngx_pad_op_next(ctx, &it1, &op1);

            if (rc < 0) {
                return NGX_PAD_CS_ERROR;
            }

            if (rc == 0) {
                done1 = 1;
                memset(&op1, 0, sizeof(ngx_pad_op_t));
                op1.attribs = empty;

            } else {
                fresh1 = 1;
            }
        }

        if (!done2 && op2.opcode == 0) {
            rc = ngx_pad_op_next(ctx, &it2, &op2);

            if (rc < 0) {
                return NGX_PAD_CS_ERROR;
            }

            if (rc == 0) {
                done2 = 1;
                memset(&op2, 0, sizeof(ngx_pad_op_t));
                op2.attribs = empty;
            }
        }

        if (op1.opcode == 0 && op2.opcode == 0) {
            break;
        }

        if (pass && fresh1) {
            fresh1 = 0;
            rc = pass(ctx, &op1, it1.pos, &op2);

            if (rc < 0) {
                return NGX_PAD_CS_ERROR;
            }

            if (rc) {
                op1.opcode = 0;
                continue;
            }
        }

        if (func(ctx, &op1, &op2, &out, data) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }

        if (out.opcode) {
            if (ngx_pad_sassem_append(ctx, sa, &out) != NGX_PAD_CS_OK) {
                return NGX_PAD_CS_ERROR;
            }
        }
    }

    if (ngx_pad_sassem_end_document(ctx, sa) != NGX_PAD_CS_OK
        || ngx_pad_sassem_finish(ctx, sa) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


#endif /* _NGX_PAD_CS_INT_H_INCLUDED_ */
