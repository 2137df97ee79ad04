
/*
 * ngx_pad_module: a queued commit prepared for the append (Etherpad's
 * handleUserChanges), over the pure stages of src/commit/.
 */


#ifndef _NGX_PAD_COMMIT_PREPARE_H_INCLUDED_
#define _NGX_PAD_COMMIT_PREPARE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "engine/ngx_pad_engine.h"


/*
 * What a commit is rebased on: the pad, or (group commit) the pad plus
 * the commits prepared before it in this group, not yet stored.
 */
typedef struct {
    int64_t                head;
    ngx_pad_atext_t        atext;
    intptr_t               text_len16;
    ngx_pad_pool_t        *pool;
    ngx_pad_commit_t     **group;        /* revisions pad->head + 1 .. */
    ngx_uint_t             ngroup;
} ngx_pad_commit_base_t;


/*
 * NGX_OK: c holds a revision to append; NGX_DECLINED: the commit changes
 * nothing (identity, net no-op, retransmission); NGX_ERROR: refused,
 * *why says why (c->why; NULL: out of memory); NGX_AGAIN: not now (a
 * group's later commit adding pool entries, a revision missing).
 */
ngx_int_t ngx_pad_commit_prepare(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_pad_commit_base_t *b, const char **why);


#endif /* _NGX_PAD_COMMIT_PREPARE_H_INCLUDED_ */
