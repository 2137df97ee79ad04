/*
 * Easysync engine: merging a diverged history of a pad into an ATtext
 * (after Redis lost its data while a worker still held the pad).
 *
 * B's edits after its revision 0, composed (Bc, applies to B0), are
 * followed over A' (B0 -> atext).  A' is taken in two steps, so that the
 * place of B's insertions does not depend on follow's tie-breaking:
 *
 *   D  = makeSplice(B0, 0, len(B0) - 1, ""): delete all but B0's final
 *        newline (D inserts nothing, so follow(D, Bc) has no tie);
 *   B1 = follow(D, Bc): B's surviving insertions, in B's order, now all
 *        at position 0 of "\n" (or after the "\n" for text B inserted
 *        after its final newline), with any attributes Bc put on B0's
 *        final newline;
 *   out = B1 shifted over atext's text but its final newline: a keep of
 *        that text, then B1's ops.
 *
 * out is follow(A', Bc) with A' = D then "insert atext's text but its
 * final newline at 0", every tie at that position going to A (A's text
 * first): B's insertions come after all of A's text, just before its
 * final newline.  The keep carries no attributes, so A's attributes stay.
 */

#include <string.h>

#include "ngx_pad_cs_arena.h"
#include "ngx_pad_cs_ctx.h"
#include "ngx_pad_cs_ops.h"


/* the message of the failed call, prefixed with what failed */

static intptr_t
ngx_pad_merge_fail(ngx_pad_ctx_t *ctx, const char *what, size_t i,
    int indexed)
{
    char  msg[sizeof(ctx->arena.err)];

    memcpy(msg, ctx->arena.err, sizeof(msg));
    msg[sizeof(msg) - 1] = '\0';

    if (indexed) {
        ngx_pad_cs_error(ctx, "merge history: %s[%lu]: %s", what,
                         (unsigned long) i, msg);

    } else {
        ngx_pad_cs_error(ctx, "merge history: %s: %s", what, msg);
    }

    return NGX_PAD_CS_ERROR;
}


/*
 * B's edits after its revision 0: *b0 is B's revision-0 text and *bc its
 * revisions 1..nb-1 composed; bc->data NULL when they change nothing.
 */

static intptr_t
ngx_pad_merge_compose(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *b_revs,
    size_t nb, ngx_pad_pool_t *b_pool, ngx_pad_str_t *b0, ngx_pad_str_t *bc)
{
    size_t         i;
    intptr_t       rc, b_len;
    ngx_pad_cs_t   u;
    ngx_pad_str_t  nl, cs, head;

    bc->data = NULL;
    bc->len = 0;

    if (nb == 0) {
        return NGX_PAD_CS_OK;
    }

    /* B's revision 0 applies to the empty pad "\n" */

    if (ngx_pad_cs_check_rep(ctx, &b_revs[0]) != NGX_PAD_CS_OK
        || ngx_pad_cs_unpack(ctx, &b_revs[0], &u) != NGX_PAD_CS_OK)
    {
        return ngx_pad_merge_fail(ctx, "b_revs", 0, 1);
    }

    if (u.old_len != 1) {
        ngx_pad_cs_error(ctx, "merge history: b_revs[0] applies to a text "
                         "of length %ld, not to the empty pad (1)",
                         (long) u.old_len);
        return NGX_PAD_CS_ERROR;
    }

    nl.data = "\n";
    nl.len = 1;

    if (ngx_pad_cs_apply_to_text(ctx, &b_revs[0], &nl, b0)
        != NGX_PAD_CS_OK)
    {
        return ngx_pad_merge_fail(ctx, "b_revs", 0, 1);
    }

    b_len = u.new_len;

    if (nb == 1) {
        return NGX_PAD_CS_OK;
    }

    /* B's revisions 1 .. nb-1 composed, each chaining on the last */

    for (i = 1; i < nb; i++) {

        if (ngx_pad_cs_check_rep(ctx, &b_revs[i]) != NGX_PAD_CS_OK
            || ngx_pad_cs_unpack(ctx, &b_revs[i], &u) != NGX_PAD_CS_OK)
        {
            return ngx_pad_merge_fail(ctx, "b_revs", i, 1);
        }

        if (u.old_len != b_len) {
            ngx_pad_cs_error(ctx, "merge history: b_revs[%lu] applies to a "
                             "text of length %ld, but b_revs[%lu] gives "
                             "length %ld", (unsigned long) i,
                             (long) u.old_len, (unsigned long) (i - 1),
                             (long) b_len);
            return NGX_PAD_CS_ERROR;
        }

        b_len = u.new_len;

        if (i == 1) {
            *bc = b_revs[1];
            continue;
        }

        if (ngx_pad_cs_compose(ctx, bc, &b_revs[i], b_pool, &cs)
            != NGX_PAD_CS_OK)
        {
            return ngx_pad_merge_fail(ctx, "b_revs", i, 1);
        }

        *bc = cs;
    }

    rc = ngx_pad_cs_is_identity(ctx, bc);

    if (rc < 0) {
        return ngx_pad_merge_fail(ctx, "composed b_revs", 0, 0);
    }

    if (rc == 1) {
        bc->data = NULL;
        bc->len = 0;
        return NGX_PAD_CS_OK;
    }

    /* B's head text: Bc must really apply to B0 (its newline counts) */

    if (ngx_pad_cs_apply_to_text(ctx, bc, b0, &head) != NGX_PAD_CS_OK) {
        return ngx_pad_merge_fail(ctx, "composed b_revs", 0, 0);
    }

    if (head.len == 0 || head.data[head.len - 1] != '\n') {
        ngx_pad_cs_error(ctx, "merge history: B's head text does not end "
                         "with a newline");
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


/*
 * Bc renumbered into A's pool and followed over D, the changeset that
 * deletes B0 but its final newline: *u is that, applying to "\n"
 * (reverse_insert_order is moot: D inserts nothing, so nothing ties).
 */

static intptr_t
ngx_pad_merge_rebase(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *b0,
    const ngx_pad_str_t *bc, ngx_pad_pool_t *b_pool, ngx_pad_pool_t *pool,
    ngx_pad_cs_t *u)
{
    intptr_t       b_len;
    ngx_pad_str_t  bm, b1, del, empty;

    if (ngx_pad_cs_move_ops_to_new_pool(ctx, bc, b_pool, pool, &bm)
        != NGX_PAD_CS_OK)
    {
        return ngx_pad_merge_fail(ctx, "composed b_revs", 0, 0);
    }

    empty.data = "";
    empty.len = 0;

    if (ngx_pad_utf16_len(ctx, b0, &b_len) != NGX_PAD_CS_OK
        || ngx_pad_cs_make_splice(ctx, b0, 0, b_len - 1, &empty, NULL, &del)
           != NGX_PAD_CS_OK
        || ngx_pad_cs_follow(ctx, &del, &bm, 0, pool, &b1) != NGX_PAD_CS_OK
        || ngx_pad_cs_unpack(ctx, &b1, u) != NGX_PAD_CS_OK)
    {
        return ngx_pad_merge_fail(ctx, "rebasing B", 0, 0);
    }

    if (u->old_len != 1) {
        ngx_pad_cs_error(ctx, "merge history: rebased changeset applies to "
                         "length %ld, not 1", (long) u->old_len);
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


/* out: keep atext's text but its final newline, then u's ops */

static intptr_t
ngx_pad_merge_shift(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext,
    intptr_t a_len, ngx_pad_cs_t *u, ngx_pad_pool_t *pool,
    ngx_pad_str_t *out, ngx_pad_atext_t *out_atext)
{
    intptr_t           rc;
    ngx_pad_op_t       op;
    ngx_pad_str_t      prefix, ops;
    ngx_pad_sassem_t  *sa;
    ngx_pad_op_iter_t  it;

    sa = &ctx->sa;
    ngx_pad_sassem_init(sa);

    prefix.data = atext->text.data;
    prefix.len = atext->text.len - 1;

    if (prefix.len
        && ngx_pad_ops_from_text(ctx, sa, '=', &prefix, NULL)
           != NGX_PAD_CS_OK)
    {
        return ngx_pad_merge_fail(ctx, "shifting B", 0, 0);
    }

    ngx_pad_op_iter_init(&it, &u->ops);

    for ( ;; ) {
        rc = ngx_pad_op_next(ctx, &it, &op);

        if (rc < 0) {
            return ngx_pad_merge_fail(ctx, "shifting B", 0, 0);
        }

        if (rc == 0) {
            break;
        }

        if (ngx_pad_sassem_append(ctx, sa, &op) != NGX_PAD_CS_OK) {
            return ngx_pad_merge_fail(ctx, "shifting B", 0, 0);
        }
    }

    if (ngx_pad_sassem_end_document(ctx, sa) != NGX_PAD_CS_OK
        || ngx_pad_sassem_finish(ctx, sa) != NGX_PAD_CS_OK)
    {
        return ngx_pad_merge_fail(ctx, "shifting B", 0, 0);
    }

    ops.data = sa->out.data;
    ops.len = sa->out.len;

    if (ngx_pad_cs_pack(ctx, a_len, a_len + (u->new_len - u->old_len), &ops,
                        &u->bank, out)
        != NGX_PAD_CS_OK)
    {
        return ngx_pad_merge_fail(ctx, "shifting B", 0, 0);
    }

    if (ngx_pad_cs_check_rep(ctx, out) != NGX_PAD_CS_OK
        || ngx_pad_cs_apply_to_atext(ctx, out, atext, pool, out_atext)
           != NGX_PAD_CS_OK
        || ngx_pad_atext_check(ctx, out_atext) != NGX_PAD_CS_OK)
    {
        return ngx_pad_merge_fail(ctx, "result", 0, 0);
    }

    /* A's text but its final newline is still the start of the text */

    if (out_atext->text.len < prefix.len
        || memcmp(out_atext->text.data, prefix.data, prefix.len) != 0)
    {
        ngx_pad_cs_error(ctx, "merge history: the result lost A's text");
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


intptr_t
ngx_pad_cs_merge_history(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext,
    ngx_pad_pool_t *pool, const ngx_pad_str_t *b_revs, size_t nb,
    ngx_pad_pool_t *b_pool, ngx_pad_str_t *out, ngx_pad_atext_t *out_atext)
{
    intptr_t       a_len;
    ngx_pad_cs_t   u;
    ngx_pad_str_t  b0, bc;

    if (ngx_pad_atext_check(ctx, atext) != NGX_PAD_CS_OK
        || ngx_pad_utf16_len(ctx, &atext->text, &a_len) != NGX_PAD_CS_OK)
    {
        return ngx_pad_merge_fail(ctx, "A", 0, 0);
    }

    if (ngx_pad_merge_compose(ctx, b_revs, nb, b_pool, &b0, &bc)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (bc.data == NULL) {
        /* B changed nothing after its revision 0 */

        if (ngx_pad_cs_identity(ctx, a_len, out) != NGX_PAD_CS_OK) {
            return ngx_pad_merge_fail(ctx, "identity", 0, 0);
        }

        *out_atext = *atext;

        return NGX_PAD_CS_OK;
    }

    if (ngx_pad_merge_rebase(ctx, &b0, &bc, b_pool, pool, &u)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_merge_shift(ctx, atext, a_len, &u, pool, out, out_atext);
}
