
/*
 * ngx_pad_module: a commit's preparation, stage by stage, as Etherpad's
 * handleUserChanges (ngx_pad_commit_stage.h).
 */


#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "easysync/ngx_pad_cs.h"
#include "msg/ngx_pad_msg.h"
#include "commit/ngx_pad_commit_ops.h"
#include "commit/ngx_pad_commit_stage.h"


static int ngx_pad_commit_stage_stamp(ngx_pad_commit_stage_t *st);
static int ngx_pad_commit_stage_pool(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b);
static int ngx_pad_commit_stage_same(const ngx_pad_str_t *a,
    const ngx_pad_str_t *b);


static const ngx_pad_str_t  ngx_pad_commit_author_key = { 6, "author" };


int
ngx_pad_commit_stage_validate(ngx_pad_commit_stage_t *st)
{
    if (st->base_rev < 0 || st->base_rev > st->head) {
        st->why = "baseRev out of range";
        return NGX_PAD_COMMIT_ERROR;
    }

    if (st->base_rev > st->sent_rev) {
        st->why = "baseRev is a revision the session was never sent";
        return NGX_PAD_COMMIT_ERROR;
    }

    st->wire = ngx_pad_pool_create();
    if (st->wire == NULL) {
        return NGX_PAD_COMMIT_ERROR;
    }

    if (ngx_pad_msg_pool_from_json(st->apool, st->wire, st->max_pool) != 0) {
        st->why = "invalid apool";
        return NGX_PAD_COMMIT_ERROR;
    }

    st->cs = st->changeset;

    if (ngx_pad_cs_check_rep(st->ctx, &st->cs) != NGX_PAD_CS_OK
        || ngx_pad_cs_unpack(st->ctx, &st->cs, &st->u) != NGX_PAD_CS_OK)
    {
        st->why = ngx_pad_ctx_error(st->ctx);
        return NGX_PAD_COMMIT_ERROR;
    }

    return NGX_PAD_COMMIT_OK;
}


/* the author's attribute on every insert, then the base's pool numbers */

int
ngx_pad_commit_stage_stamp_pool(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b)
{
    int  stamp;

    if (ngx_pad_commit_ops_authors(&st->u.ops, st->wire, b->pool,
                                   &st->author, st->require_author, &stamp,
                                   &st->why)
        != 0)
    {
        return NGX_PAD_COMMIT_ERROR;
    }

    if (stamp && ngx_pad_commit_stage_stamp(st) != NGX_PAD_COMMIT_OK) {
        return NGX_PAD_COMMIT_ERROR;
    }

    return ngx_pad_commit_stage_pool(st, b);
}


/* inserts without an author get the committer's, in canonical form */

static int
ngx_pad_commit_stage_stamp(ngx_pad_commit_stage_t *st)
{
    char           *buf;
    intptr_t        author_num;
    ngx_pad_str_t   t, ident;

    author_num = ngx_pad_pool_put_attrib(st->wire, &ngx_pad_commit_author_key,
                                         &st->author, 0);
    if (author_num < 0) {
        return NGX_PAD_COMMIT_ERROR;
    }

    buf = malloc(ngx_pad_commit_ops_stamp_size(&st->u.ops));
    if (buf == NULL) {
        return NGX_PAD_COMMIT_ERROR;
    }

    t.data = buf;
    t.len = ngx_pad_commit_ops_stamp(&st->u.ops, st->wire, author_num, buf);

    if (ngx_pad_cs_pack(st->ctx, st->u.old_len, st->u.new_len, &t,
                        &st->u.bank, &st->moved)
        != NGX_PAD_CS_OK)
    {
        free(buf);
        st->why = ngx_pad_ctx_error(st->ctx);
        return NGX_PAD_COMMIT_ERROR;
    }

    free(buf);

    /* merge what stamping made mergeable: canonical form again */

    if (ngx_pad_cs_identity(st->ctx, st->u.old_len, &ident) != NGX_PAD_CS_OK
        || ngx_pad_cs_compose(st->ctx, &ident, &st->moved, st->wire,
                              &st->cs)
           != NGX_PAD_CS_OK
        || ngx_pad_cs_check_rep(st->ctx, &st->cs) != NGX_PAD_CS_OK)
    {
        st->why = ngx_pad_ctx_error(st->ctx);
        return NGX_PAD_COMMIT_ERROR;
    }

    return NGX_PAD_COMMIT_OK;
}


/* the base's pool, or a clone when the commit adds attributes to it */

static int
ngx_pad_commit_stage_pool(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b)
{
    int            need_clone;
    intptr_t       num, n;
    ngx_pad_str_t  k, v;

    need_clone = 0;
    n = ngx_pad_pool_next_num(st->wire);

    for (num = 0; num < n; num++) {
        if (ngx_pad_pool_get(st->wire, num, &k, &v) == 0
            && ngx_pad_pool_put_attrib(b->pool, &k, &v, 1) < 0)
        {
            need_clone = 1;
            break;
        }
    }

    if (ngx_pad_pool_put_attrib(b->pool, &ngx_pad_commit_author_key,
                                &st->author, 1)
        < 0)
    {
        need_clone = 1;
    }

    if (need_clone && b->grouped) {
        /* only a group's first commit may add pool entries */
        st->why = "new pool entries";
        return NGX_PAD_COMMIT_AGAIN;
    }

    if (need_clone) {
        st->target = ngx_pad_pool_clone(b->pool);
        if (st->target == NULL) {
            return NGX_PAD_COMMIT_ERROR;
        }

    } else {
        st->target = b->pool;
    }

    if (ngx_pad_cs_move_ops_to_new_pool(st->ctx, &st->cs, st->wire,
                                        st->target, &st->moved)
        != NGX_PAD_CS_OK)
    {
        st->why = ngx_pad_ctx_error(st->ctx);
        return NGX_PAD_COMMIT_ERROR;
    }

    st->rebased = st->moved;
    st->from = st->base_rev + 1;

    return NGX_PAD_COMMIT_OK;
}


int
ngx_pad_commit_stage_retry(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b, const ngx_pad_str_t *rebased,
    int64_t on_rev)
{
    st->again = 1;
    st->target = b->pool;
    st->rebased = *rebased;
    st->from = on_rev + 1;

    if (on_rev > b->head) {
        st->why = "rebased beyond the pad's head";
        return NGX_PAD_COMMIT_ERROR;
    }

    return NGX_PAD_COMMIT_OK;
}


static int
ngx_pad_commit_stage_same(const ngx_pad_str_t *a, const ngx_pad_str_t *b)
{
    return a->len == b->len
           && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}


/* follow over every revision from st->from to the base's head */

int
ngx_pad_commit_stage_rebase(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b)
{
    int64_t        r;
    ngx_pad_str_t  t, ra;

    for (r = st->from; r <= b->head; r++) {

        if (st->rev(st->rev_data, r, &t, &ra) != 0) {
            st->why = "a revision after baseRev is missing";
            return NGX_PAD_COMMIT_AGAIN;
        }

        if (!st->again
            && ngx_pad_commit_stage_same(&t, &st->moved)
            && ngx_pad_commit_stage_same(&ra, &st->author))
        {
            /* a retransmission of a revision already stored */

            if (ngx_pad_cs_identity(st->ctx, st->u.old_len, &st->rebased)
                != NGX_PAD_CS_OK)
            {
                st->why = ngx_pad_ctx_error(st->ctx);
                return NGX_PAD_COMMIT_ERROR;
            }
        }

        if (ngx_pad_cs_follow(st->ctx, &t, &st->rebased, 0, st->target,
                              &st->rebased)
            != NGX_PAD_CS_OK)
        {
            st->why = ngx_pad_ctx_error(st->ctx);
            return NGX_PAD_COMMIT_ERROR;
        }
    }

    return NGX_PAD_COMMIT_OK;
}


/* applied to the base: the checks, then st->atext and st->new_len16 */

int
ngx_pad_commit_stage_apply(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b)
{
    ngx_pad_cs_t     u;
    ngx_pad_atext_t  cur, at;

    if (ngx_pad_cs_unpack(st->ctx, &st->rebased, &u) != NGX_PAD_CS_OK) {
        st->why = ngx_pad_ctx_error(st->ctx);
        return NGX_PAD_COMMIT_ERROR;
    }

    if (u.old_len != b->text_len16) {
        st->why = "changeset length does not match the pad";
        return NGX_PAD_COMMIT_ERROR;
    }

    cur = b->atext;

    if (ngx_pad_cs_apply_to_atext(st->ctx, &st->rebased, &cur, st->target,
                                  &at)
        != NGX_PAD_CS_OK)
    {
        st->why = ngx_pad_ctx_error(st->ctx);
        return NGX_PAD_COMMIT_ERROR;
    }

    if (at.text.len == 0 || at.text.data[at.text.len - 1] != '\n') {
        st->why = "the pad would not end with a newline";
        return NGX_PAD_COMMIT_ERROR;
    }

    if (ngx_pad_commit_stage_same(&at.text, &cur.text)
        && ngx_pad_commit_stage_same(&at.attribs, &cur.attribs))
    {
        return NGX_PAD_COMMIT_DECLINED;
    }

    /* appendRevision puts the author in the pool even if no op has it */

    if (ngx_pad_pool_put_attrib(st->target, &ngx_pad_commit_author_key,
                                &st->author, 0)
        < 0)
    {
        return NGX_PAD_COMMIT_ERROR;
    }

    st->atext = at;
    st->new_len16 = u.new_len;

    return NGX_PAD_COMMIT_OK;
}


int
ngx_pad_commit_stage_run(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b, const ngx_pad_str_t *rebased,
    int64_t on_rev)
{
    int  rc;

    if (rebased) {
        rc = ngx_pad_commit_stage_retry(st, b, rebased, on_rev);

    } else {
        rc = ngx_pad_commit_stage_validate(st);

        if (rc == NGX_PAD_COMMIT_OK) {
            rc = ngx_pad_commit_stage_stamp_pool(st, b);
        }
    }

    if (rc == NGX_PAD_COMMIT_OK) {
        rc = ngx_pad_commit_stage_rebase(st, b);
    }

    if (rc == NGX_PAD_COMMIT_OK) {
        rc = ngx_pad_commit_stage_apply(st, b);
    }

    return rc;
}


ngx_pad_pool_t *
ngx_pad_commit_stage_take_pool(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b)
{
    ngx_pad_pool_t  *pool;

    pool = (st->target != b->pool) ? st->target : NULL;
    st->target = NULL;

    return pool;
}


void
ngx_pad_commit_stage_free(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b)
{
    if (st->target && st->target != b->pool) {
        ngx_pad_pool_destroy(st->target);
    }

    if (st->wire) {
        ngx_pad_pool_destroy(st->wire);
    }

    st->target = NULL;
    st->wire = NULL;
}
