/*
 * Easysync changesets, attribute pools and ATexts, identical to
 * Etherpad's src/static/js/Changeset.ts (Etherpad 2.x semantics).
 *
 * Pure C (no nginx headers).  Strings are UTF-8 byte ranges
 * (ngx_pad_str_t, not NUL-terminated, may contain NUL); every length,
 * offset and count that appears in a changeset is in UTF-16 code units,
 * exactly as JavaScript's String.length.  A 4-byte UTF-8 sequence (a
 * character outside the BMP) counts as 2 units; an operation that would
 * split it (that is, split a surrogate pair) fails with an error, and
 * input that is not valid UTF-8 (lone surrogates included) is rejected.
 *
 * Every operation takes a context (ngx_pad_ctx_t).  Results are allocated
 * in the context's arena and stay valid until ngx_pad_ctx_reset() or
 * ngx_pad_ctx_destroy(); inputs may point into earlier results.  The
 * context keeps its scratch buffers between operations, so a long-lived
 * context allocates almost nothing per operation.
 *
 * Functions return NGX_PAD_CS_OK (0) or NGX_PAD_CS_ERROR (-1); after an
 * error ngx_pad_ctx_error() gives a precise message (the same wording as
 * Etherpad where Etherpad has one).
 */

#ifndef _NGX_PAD_CS_H_INCLUDED_
#define _NGX_PAD_CS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_PAD_CS_OK      0
#define NGX_PAD_CS_ERROR  -1

/* largest number accepted in a changeset or pool (2^53 - 1, as JS) */
#define NGX_PAD_CS_NUM_MAX  ((intptr_t) 9007199254740991LL)


typedef struct {
    size_t        len;
    const char   *data;
} ngx_pad_str_t;


typedef struct ngx_pad_ctx_s   ngx_pad_ctx_t;
typedef struct ngx_pad_pool_s  ngx_pad_pool_t;


typedef struct {
    intptr_t       old_len;
    intptr_t       new_len;
    ngx_pad_str_t  ops;        /* the ops between header and '$' */
    ngx_pad_str_t  bank;       /* the charBank after the first '$' */
} ngx_pad_cs_t;


typedef struct {
    ngx_pad_str_t  text;
    ngx_pad_str_t  attribs;    /* attribution: '+' ops covering text */
} ngx_pad_atext_t;


/* context */

ngx_pad_ctx_t *ngx_pad_ctx_create(void);
void ngx_pad_ctx_reset(ngx_pad_ctx_t *ctx);
void ngx_pad_ctx_destroy(ngx_pad_ctx_t *ctx);
const char *ngx_pad_ctx_error(ngx_pad_ctx_t *ctx);
size_t ngx_pad_ctx_memory(ngx_pad_ctx_t *ctx);


/* attribute pool (AttributePool.ts) */

ngx_pad_pool_t *ngx_pad_pool_create(void);
void ngx_pad_pool_destroy(ngx_pad_pool_t *pool);
ngx_pad_pool_t *ngx_pad_pool_clone(ngx_pad_pool_t *pool);

/*
 * putAttrib([key, value], dont_add): the number of the pair, looked up by
 * the string "key,value" (Etherpad's String([k, v]) quirk: ["a,b","c"] and
 * ["a","b,c"] are the same entry).  Returns -1 when dont_add is set and the
 * pair is absent, -2 on allocation failure.
 */
intptr_t ngx_pad_pool_put_attrib(ngx_pad_pool_t *pool,
    const ngx_pad_str_t *key, const ngx_pad_str_t *value, int dont_add);

/* getAttrib(num): 0 and the pair, or -1 when num is not in the pool */
intptr_t ngx_pad_pool_get(ngx_pad_pool_t *pool, intptr_t num,
    ngx_pad_str_t *key, ngx_pad_str_t *value);

intptr_t ngx_pad_pool_next_num(ngx_pad_pool_t *pool);

/*
 * Rollback: drop every entry numbered next_num or above and set nextNum
 * to next_num (a value ngx_pad_pool_next_num() gave earlier; putAttrib
 * only appends).  O(pool size); -1 if next_num is out of range.
 */
intptr_t ngx_pad_pool_truncate(ngx_pad_pool_t *pool, intptr_t next_num);

/*
 * Building a pool from its JSON form (fromJsonable): set entry num (num <
 * next_num), in increasing num order, then ngx_pad_pool_set_next_num().
 * Later entries win the "k,v" lookup, as in fromJsonable.  -1 on error.
 */
intptr_t ngx_pad_pool_set(ngx_pad_pool_t *pool, intptr_t num,
    const ngx_pad_str_t *key, const ngx_pad_str_t *value);
intptr_t ngx_pad_pool_set_next_num(ngx_pad_pool_t *pool, intptr_t next_num);


/* changesets (Changeset.ts) */

intptr_t ngx_pad_cs_unpack(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs,
    ngx_pad_cs_t *out);
intptr_t ngx_pad_cs_pack(ngx_pad_ctx_t *ctx, intptr_t old_len,
    intptr_t new_len, const ngx_pad_str_t *ops, const ngx_pad_str_t *bank,
    ngx_pad_str_t *out);
intptr_t ngx_pad_cs_check_rep(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs);
intptr_t ngx_pad_cs_apply_to_text(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *cs, const ngx_pad_str_t *text, ngx_pad_str_t *out);
intptr_t ngx_pad_cs_apply_to_attribution(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *cs, const ngx_pad_str_t *attribs,
    ngx_pad_pool_t *pool, ngx_pad_str_t *out);
intptr_t ngx_pad_cs_apply_to_atext(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *cs, const ngx_pad_atext_t *atext,
    ngx_pad_pool_t *pool, ngx_pad_atext_t *out);
intptr_t ngx_pad_cs_compose(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs1,
    const ngx_pad_str_t *cs2, ngx_pad_pool_t *pool, ngx_pad_str_t *out);
intptr_t ngx_pad_cs_follow(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs1,
    const ngx_pad_str_t *cs2, int reverse_insert_order,
    ngx_pad_pool_t *pool, ngx_pad_str_t *out);
intptr_t ngx_pad_cs_move_ops_to_new_pool(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *cs, ngx_pad_pool_t *from, ngx_pad_pool_t *to,
    ngx_pad_str_t *out);
/* wire_pool must be a new, empty pool created by the caller */
intptr_t ngx_pad_cs_prepare_for_wire(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *cs, ngx_pad_pool_t *pool, ngx_pad_pool_t *wire_pool,
    ngx_pad_str_t *out);
/* attribs: an attribute string such as "*0*3" for the insert, or NULL */
intptr_t ngx_pad_cs_make_splice(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *orig,
    intptr_t start, intptr_t ndel, const ngx_pad_str_t *ins,
    const ngx_pad_str_t *attribs, ngx_pad_str_t *out);
intptr_t ngx_pad_cs_identity(ngx_pad_ctx_t *ctx, intptr_t n,
    ngx_pad_str_t *out);
/* 1 identity, 0 not, -1 error */
intptr_t ngx_pad_cs_is_identity(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs);
/* the changeset that undoes cs, which applies to atext (may add to pool) */
intptr_t ngx_pad_cs_inverse(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool, ngx_pad_str_t *out);


/* ATexts */

/* makeAText(text, attribs): attribs NULL gives makeAttribution(text) */
intptr_t ngx_pad_atext_make(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *text,
    const ngx_pad_str_t *attribs, ngx_pad_atext_t *out);
/* 0 when text ends with "\n" and attribs are '+' ops covering text */
intptr_t ngx_pad_atext_check(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext);


/* UTF-16 helpers */

/* validates UTF-8 and gives the length in UTF-16 code units */
intptr_t ngx_pad_utf16_len(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *s,
    intptr_t *len);


/* merging a diverged history (ngx_pad_cs_merge.c) */

/*
 * Rebases a diverged history onto an ATtext: b_revs[0..nb-1] are the
 * changesets of another history of the same pad (numbered in b_pool),
 * b_revs[0] applying to the empty pad "\n" (attribs "|1+1"); its edits
 * after revision 0 (b_revs[1..nb-1], composed) are followed over a
 * changeset that takes B's revision 0 text to `atext` (delete all but the
 * final newline, insert atext's text with its attributes), so that the
 * result `out` applies to `atext` (numbered in `pool`, to which B's
 * attributes are added) and inserts every character B inserted after its
 * revision 0 that B's head still has.  *out_atext is atext after out.
 * Order: all of atext's text first, then B's insertions in B's order,
 * just before atext's final newline (text B inserted after its final
 * newline goes after atext's); out deletes nothing of atext but its final
 * newline, and only if B deleted B0's.
 * nb <= 1 (or B changed nothing after revision 0): out is the identity.
 * An invalid or non-chaining b_revs gives NGX_PAD_CS_ERROR with a message
 * (pool may have gained B's attributes then: ngx_pad_pool_truncate()).
 */
intptr_t ngx_pad_cs_merge_history(ngx_pad_ctx_t *ctx,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *b_revs, size_t nb, ngx_pad_pool_t *b_pool,
    ngx_pad_str_t *out, ngx_pad_atext_t *out_atext);


#endif /* _NGX_PAD_CS_H_INCLUDED_ */
