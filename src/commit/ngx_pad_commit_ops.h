
/*
 * ngx_pad_module: the ops of a client's changeset, read for the author
 * rules of Etherpad's handleUserChanges and stamped with the author.
 *
 * Pure C (no nginx headers).  The ops are those of a changeset that
 * passed checkRep (ngx_pad_cs_unpack()'s ops); attribute numbers refer
 * to the changeset's own pool (the client's apool).
 */


#ifndef _NGX_PAD_COMMIT_OPS_H_INCLUDED_
#define _NGX_PAD_COMMIT_OPS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "easysync/ngx_pad_cs.h"


/*
 * Author rules: every attribute number must be in wire; "author" must be
 * author, except on "=" ops, where "" (clear authorship) or an author
 * already in padpool may appear.  A "+" without an author is refused if
 * require_author is set; otherwise *stamp is set to 1.  0, or -1 with
 * *why set (a static string).
 */
int ngx_pad_commit_ops_authors(const ngx_pad_str_t *ops,
    ngx_pad_pool_t *wire, ngx_pad_pool_t *padpool,
    const ngx_pad_str_t *author, int require_author, int *stamp,
    const char **why);

/* bytes ngx_pad_commit_ops_stamp() may write for ops */
size_t ngx_pad_commit_ops_stamp_size(const ngx_pad_str_t *ops);

/*
 * Adds the attribute number author_num (the author in wire) to every "+"
 * op without an author, keeping each op's attributes sorted by key as
 * Etherpad's AttributeMap does; ops passed the author rules.  Returns the
 * bytes written to out.
 */
size_t ngx_pad_commit_ops_stamp(const ngx_pad_str_t *ops,
    ngx_pad_pool_t *wire, intptr_t author_num, char *out);


#endif /* _NGX_PAD_COMMIT_OPS_H_INCLUDED_ */
