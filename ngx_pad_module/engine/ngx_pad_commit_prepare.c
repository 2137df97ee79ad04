
/*
 * ngx_pad_module: a queued commit prepared for the append.
 *
 * The stages are Etherpad's handleUserChanges, pure, in src/commit/
 * (validate, stamp and pool, rebase, apply and check); this file gives
 * them the pad, the commit and its session, the revisions to rebase over
 * (the pad's window, the group's earlier commits, the older revisions
 * read from the store) and copies the result into the commit.  The
 * refusal reason is kept on the commit (c->why).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "commit/ngx_pad_commit_stage.h"
#include "engine/ngx_pad_engine.h"
#include "engine/ngx_pad_commit_prepare.h"


/* where the revisions to rebase over are */
typedef struct {
    ngx_pad_pad_t          *pad;
    ngx_pad_commit_t       *commit;
    ngx_pad_commit_base_t  *base;
} ngx_pad_commit_over_t;


static int ngx_pad_commit_prepare_rev(void *data, int64_t r,
    ngx_pad_str_t *cs, ngx_pad_str_t *author);
static ngx_int_t ngx_pad_commit_prepare_rc(int rc);
static ngx_int_t ngx_pad_commit_prepared(ngx_pad_commit_t *c,
    ngx_pad_commit_base_t *b, ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *sb);
static ngx_int_t ngx_pad_commit_copy(ngx_str_t *dst,
    const ngx_pad_str_t *src);


ngx_int_t
ngx_pad_commit_prepare(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_pad_commit_base_t *b, const char **why)
{
    u_char                       *kept;
    ngx_int_t                     rc;
    ngx_pad_str_t                 rebased;
    ngx_pad_session_t            *sess;
    ngx_pad_commit_over_t         over;
    ngx_pad_commit_stage_t        st;
    ngx_pad_commit_stage_base_t   sb;

    sess = c->session;

    over.pad = pad;
    over.commit = c;
    over.base = b;

    ngx_memzero(&st, sizeof(ngx_pad_commit_stage_t));
    st.ctx = ngx_pad_engine->ctx;
    st.author.data = (const char *) sess->author;
    st.author.len = sess->author_len;
    st.base_rev = c->base_rev;
    st.head = pad->head;
    st.sent_rev = sess->sent_rev;
    st.changeset.data = (const char *) c->changeset.data;
    st.changeset.len = c->changeset.len;
    st.apool = c->apool;
    st.max_pool = ngx_pad_engine->conf->max_pool;
    st.require_author = ngx_pad_engine->conf->require_author ? 1 : 0;
    st.rev = ngx_pad_commit_prepare_rev;
    st.rev_data = &over;

    sb.head = b->head;
    sb.atext = b->atext;
    sb.text_len16 = b->text_len16;
    sb.pool = b->pool;
    sb.grouped = (b->ngroup != 0);

    /*
     * Retried after a lost race: c->rebased (pad pool numbers, no new
     * pool entries) applies to revision on_rev; only the revisions stored
     * since then are followed, so the retry neither depends on baseRev
     * still being in the window nor repeats work.
     */

    kept = c->rebased.data;
    c->rebased.data = NULL;
    rebased.data = (const char *) kept;
    rebased.len = c->rebased.len;

    rc = ngx_pad_commit_prepare_rc(
             ngx_pad_commit_stage_run(&st, &sb, kept ? &rebased : NULL,
                                      c->on_rev));

    if (rc == NGX_OK) {
        rc = ngx_pad_commit_prepared(c, b, &st, &sb);
    }

    if (st.why) {
        *why = st.why;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": commit prepared: %i (%s)", &pad->id, rc,
                   (rc == NGX_ERROR && *why) ? *why : "");

    if (rc == NGX_ERROR && *why) {
        /* the message may live in ctx, which is reset below */
        (void) ngx_cpystrn(c->why, (u_char *) *why, sizeof(c->why));
        *why = (const char *) c->why;
    }

    ngx_pad_commit_stage_free(&st, &sb);

    if (rc == NGX_ERROR || rc == NGX_AGAIN) {
        ngx_free(c->rebased.data);
        ngx_free((void *) c->atext.text.data);
        c->rebased.data = NULL;
        c->atext.text.data = NULL;
    }

    ngx_pad_ctx_reset(st.ctx);

    if (kept) {
        ngx_free(kept);
    }

    return rc;
}


/* revision r: the group's, the window's or one read from the store */

static int
ngx_pad_commit_prepare_rev(void *data, int64_t r, ngx_pad_str_t *cs,
    ngx_pad_str_t *author)
{
    int64_t                 i;
    ngx_pad_rev_t          *rev;
    ngx_pad_pad_t          *pad;
    ngx_pad_commit_t       *c, *g;
    ngx_pad_commit_over_t  *over;

    over = data;
    pad = over->pad;
    c = over->commit;

    if (r > pad->head) {
        /* a commit of this group, before this one */
        g = over->base->group[r - pad->head - 1];
        cs->data = (const char *) g->rebased.data;
        cs->len = g->rebased.len;
        author->data = (const char *) g->session->author;
        author->len = g->session->author_len;
        return 0;
    }

    rev = ngx_pad_pad_rev(pad, r);

    if (rev != NULL) {
        cs->data = (const char *) rev->changeset.data;
        cs->len = rev->changeset.len;
        author->data = (const char *) rev->author.data;
        author->len = rev->author.len;
        return 0;
    }

    if (r >= c->old_from && r < c->old_from + (int64_t) c->nold) {
        /* older than the window: read from the store */
        i = 2 * (r - c->old_from);
        cs->data = (const char *) c->old[i].data;
        cs->len = c->old[i].len;
        author->data = (const char *) c->old[i + 1].data;
        author->len = c->old[i + 1].len;
        return 0;
    }

    /* ngx_pad_commit_old_revs() read them all: not reached */
    ngx_log_error(NGX_LOG_ALERT, ngx_pad_engine->log, 0,
                  "pad: \"%V\": revision %L to rebase over is missing",
                  &pad->id, r);

    return -1;
}


static ngx_int_t
ngx_pad_commit_prepare_rc(int rc)
{
    switch (rc) {

    case NGX_PAD_COMMIT_OK:
        return NGX_OK;

    case NGX_PAD_COMMIT_DECLINED:
        return NGX_DECLINED;

    case NGX_PAD_COMMIT_AGAIN:
        return NGX_AGAIN;

    default:
        return NGX_ERROR;
    }
}


/* the prepared append on c */

static ngx_int_t
ngx_pad_commit_prepared(ngx_pad_commit_t *c, ngx_pad_commit_base_t *b,
    ngx_pad_commit_stage_t *st, ngx_pad_commit_stage_base_t *sb)
{
    ngx_str_t  copy;

    if (ngx_pad_commit_copy(&c->rebased, &st->rebased) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_pad_commit_copy(&copy, &st->atext.text) != NGX_OK) {
        return NGX_ERROR;
    }

    c->atext.text.data = (const char *) copy.data;
    c->atext.text.len = copy.len;

    if (ngx_pad_commit_copy(&copy, &st->atext.attribs) != NGX_OK) {
        return NGX_ERROR;
    }

    c->atext.attribs.data = (const char *) copy.data;
    c->atext.attribs.len = copy.len;

    c->pool_from = ngx_pad_pool_next_num(b->pool);
    c->pool = ngx_pad_commit_stage_take_pool(st, sb);
    c->new_len16 = st->new_len16;
    c->rev = b->head + 1;
    c->time = ngx_pad_now_ms();

    return NGX_OK;
}


static ngx_int_t
ngx_pad_commit_copy(ngx_str_t *dst, const ngx_pad_str_t *src)
{
    dst->data = ngx_alloc(src->len + 1, ngx_pad_engine->log);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(dst->data, src->data, src->len);
    dst->len = src->len;

    return NGX_OK;
}
