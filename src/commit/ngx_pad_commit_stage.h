
/*
 * ngx_pad_module: a commit's preparation as Etherpad's handleUserChanges
 * runs it (reference §4.2), one stage each on one state:
 *
 *   validate     baseRev range, apool parse, checkRep and unpack
 *   stamp_pool   author rules, the author's attribute on every insert,
 *                moveOpsToNewPool, a pool clone when it adds entries
 *   rebase       follow over every revision after baseRev, with
 *                retransmission detection
 *   apply        apply to the ATtext: length, final newline, no-op
 *
 * Pure C (no nginx headers).  Each stage returns NGX_PAD_COMMIT_OK to go
 * on; NGX_PAD_COMMIT_DECLINED: the commit changes nothing; _ERROR:
 * refused, st->why says why (NULL: out of memory); _AGAIN: not now (a
 * later commit of a group adds pool entries, a revision is missing).
 * st->why is a static string or one in st->ctx: the caller keeps a copy
 * before ngx_pad_ctx_reset().  Strings the stages give (st->rebased,
 * st->atext) live in st->ctx too.
 */


#ifndef _NGX_PAD_COMMIT_STAGE_H_INCLUDED_
#define _NGX_PAD_COMMIT_STAGE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "easysync/ngx_pad_cs.h"


#define NGX_PAD_COMMIT_OK         0
#define NGX_PAD_COMMIT_ERROR     -1
#define NGX_PAD_COMMIT_AGAIN     -2
#define NGX_PAD_COMMIT_DECLINED  -5


/*
 * Revision rev, to rebase over: its changeset (in the base's pool
 * numbers) and its author; 0, or -1 when it is missing.
 */
typedef int (*ngx_pad_commit_rev_pt)(void *data, int64_t rev,
    ngx_pad_str_t *changeset, ngx_pad_str_t *author);


/* what a commit is rebased on and applies to */
typedef struct {
    int64_t                 head;
    ngx_pad_atext_t         atext;
    intptr_t                text_len16;
    ngx_pad_pool_t         *pool;
    int                     grouped;     /* not a group's first commit */
} ngx_pad_commit_stage_base_t;


typedef struct {
    /* set by the caller */
    ngx_pad_ctx_t          *ctx;
    ngx_pad_str_t           author;      /* the committer */
    int64_t                 base_rev;
    int64_t                 head;        /* the pad's stored head */
    int64_t                 sent_rev;    /* the committer was sent */
    ngx_pad_str_t           changeset;   /* as sent */
    json_t                 *apool;       /* as sent */
    intptr_t                max_pool;    /* pad_max_wire_pool */
    int                     require_author;
    ngx_pad_commit_rev_pt   rev;
    void                   *rev_data;

    /* the stages' state */
    ngx_pad_pool_t         *wire;        /* the client's apool */
    ngx_pad_pool_t         *target;      /* the base's pool, or a clone */
    ngx_pad_cs_t            u;           /* the client's changeset */
    ngx_pad_str_t           cs;
    ngx_pad_str_t           moved;       /* in the base's pool numbers */
    ngx_pad_str_t           rebased;
    int64_t                 from;        /* first revision to follow */
    int                     again;       /* a retry after a lost race */

    /* apply's result */
    ngx_pad_atext_t         atext;       /* after the commit */
    intptr_t                new_len16;

    const char             *why;
} ngx_pad_commit_stage_t;


int ngx_pad_commit_stage_validate(ngx_pad_commit_stage_t *st);
int ngx_pad_commit_stage_stamp_pool(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b);

/*
 * Instead of the two above, a retry after a lost race: rebased (in the
 * base's pool numbers, no new pool entries) applies to revision on_rev;
 * only the revisions after it are followed.
 */
int ngx_pad_commit_stage_retry(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b, const ngx_pad_str_t *rebased,
    int64_t on_rev);

int ngx_pad_commit_stage_rebase(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b);
int ngx_pad_commit_stage_apply(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b);

/*
 * After apply: the pool clone with the commit's new entries (the
 * caller's, to destroy), or NULL when the commit uses the base's pool.
 */
ngx_pad_pool_t *ngx_pad_commit_stage_take_pool(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b);

/*
 * The whole pipeline: validate and stamp_pool (or retry, when rebased is
 * not NULL), rebase, apply.
 */
int ngx_pad_commit_stage_run(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b, const ngx_pad_str_t *rebased,
    int64_t on_rev);

/* destroys the pools the stages made and not taken; ctx is the caller's */
void ngx_pad_commit_stage_free(ngx_pad_commit_stage_t *st,
    ngx_pad_commit_stage_base_t *b);


#endif /* _NGX_PAD_COMMIT_STAGE_H_INCLUDED_ */
