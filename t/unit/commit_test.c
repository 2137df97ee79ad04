
/*
 * Unit tests of src/commit/ (TAP): a commit's preparation, stage by
 * stage, as Etherpad's handleUserChanges (validate, stamp and pool,
 * rebase, apply and check).
 *
 * The rebase over two revisions is checked against Etherpad's own
 * result: the vectors were computed once with the oracle
 * (build/oracle/package/static/js/Changeset.js, ep_etherpad-lite 1.8.14:
 * moveOpsToNewPool, then follow(rev, rebased, false, pool) for revisions
 * 1 and 2, then applyToAText), pad pool {0: [author, a.B], 1: [author,
 * a.A]}, revision 0 "abc\n":
 *
 *   moveOpsToNewPool("Z:4>1=2*0+1$Z", {0: [author, a.A]}) = Z:4>1=2*1+1$Z
 *   follow("Z:4>1=1*0+1$X", ..)                           = Z:5>1=3*1+1$Z
 *   follow("Z:5>1=3*0+1$Y", ..)                           = Z:6>1=4*1+1$Z
 *   head  {"text":"aXbYc\n",  "attribs":"+1*0+1+1*0+1|1+2"}
 *   after {"text":"aXbYZc\n", "attribs":"+1*0+1+1*0+1*1+1|1+2"}
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "easysync/ngx_pad_cs.h"
#include "msg/ngx_pad_msg.h"
#include "commit/ngx_pad_commit_stage.h"

#include "tap.h"


#define PAD_POOL   "{\"numToAttrib\":{\"0\":[\"author\",\"a.B\"]," \
                   "\"1\":[\"author\",\"a.A\"]},\"nextNum\":2}"
#define WIRE_A     "{\"numToAttrib\":{\"0\":[\"author\",\"a.A\"]}," \
                   "\"nextNum\":1}"
#define WIRE_B     "{\"numToAttrib\":{\"0\":[\"author\",\"a.B\"]}," \
                   "\"nextNum\":1}"
#define WIRE_NONE  "{\"numToAttrib\":{},\"nextNum\":0}"


typedef struct {
    const char   *cs;
    const char   *author;
} rev_t;


/* one commit on one pad */
typedef struct {
    ngx_pad_commit_stage_t       st;
    ngx_pad_commit_stage_base_t  b;
    ngx_pad_pool_t              *pool;      /* the pad's */
    json_t                      *apool;
    const rev_t                 *revs;      /* revisions 1 .. */
    int64_t                      nrevs;
    int64_t                      first;     /* the first in revs */
} fx_t;


static ngx_pad_ctx_t  *ctx;


static ngx_pad_str_t
S(const char *s)
{
    ngx_pad_str_t  r;

    r.data = s;
    r.len = strlen(s);

    return r;
}


/* a str as a C string, for is_str (one at a time) */

static const char *
C(const ngx_pad_str_t *s)
{
    static char  buf[4096];

    if (s->data == NULL) {
        return NULL;
    }

    if (s->len >= sizeof(buf)) {
        return "(too long)";
    }

    memcpy(buf, s->data, s->len);
    buf[s->len] = '\0';

    return buf;
}


static int
revs_get(void *data, int64_t r, ngx_pad_str_t *cs, ngx_pad_str_t *author)
{
    fx_t  *f = data;

    if (r < f->first || r >= f->first + f->nrevs) {
        return -1;
    }

    *cs = S(f->revs[r - f->first].cs);
    *author = S(f->revs[r - f->first].author);

    return 0;
}


static ngx_pad_pool_t *
pool_json(const char *s)
{
    json_t          *j;
    ngx_pad_pool_t  *pool;

    j = json_loads(s, 0, NULL);
    pool = ngx_pad_pool_create();

    if (j == NULL || pool == NULL
        || ngx_pad_msg_pool_from_json(j, pool, 1000) != 0)
    {
        fprintf(stderr, "bad pool %s\n", s);
        exit(2);
    }

    json_decref(j);

    return pool;
}


/*
 * The pad at revision head (text, attribs; attribs NULL: one "+" op),
 * its pool PAD_POOL; a commit of author on base_rev (sent_rev = head).
 */

static void
fx_init(fx_t *f, const char *text, const char *attribs, int64_t head,
    const char *author, int64_t base_rev, const char *cs, const char *apool)
{
    ngx_pad_str_t  t, a;

    memset(f, 0, sizeof(fx_t));

    f->pool = pool_json(PAD_POOL);
    f->apool = json_loads(apool, JSON_DECODE_ANY, NULL);

    t = S(text);

    if (attribs) {
        a = S(attribs);
    }

    if (f->apool == NULL
        || ngx_pad_atext_make(ctx, &t, attribs ? &a : NULL, &f->b.atext)
           != NGX_PAD_CS_OK)
    {
        fprintf(stderr, "bad fixture %s\n", apool);
        exit(2);
    }

    f->b.head = head;
    f->b.text_len16 = (intptr_t) strlen(text);
    f->b.pool = f->pool;

    f->st.ctx = ctx;
    f->st.author = S(author);
    f->st.base_rev = base_rev;
    f->st.head = head;
    f->st.sent_rev = head;
    f->st.changeset = S(cs);
    f->st.apool = f->apool;
    f->st.max_pool = 100;
    f->st.rev = revs_get;
    f->st.rev_data = f;
    f->first = 1;
}


static void
fx_done(fx_t *f)
{
    ngx_pad_commit_stage_free(&f->st, &f->b);
    ngx_pad_pool_destroy(f->pool);
    json_decref(f->apool);
    ngx_pad_ctx_reset(ctx);
}


/* validate, then stamp_pool: the stages before the rebase */

static int
fx_first(fx_t *f)
{
    int  rc;

    rc = ngx_pad_commit_stage_validate(&f->st);

    if (rc == NGX_PAD_COMMIT_OK) {
        rc = ngx_pad_commit_stage_stamp_pool(&f->st, &f->b);
    }

    return rc;
}


static void
refused(int rc, fx_t *f, const char *why, const char *name)
{
    if (!is_int(rc, NGX_PAD_COMMIT_ERROR, name)) {
        return;
    }

    is_str(f->st.why, why, name);
}


static void
test_validate(void)
{
    int   rc;
    fx_t  f;

    fx_init(&f, "abc\n", NULL, 2, "a.A", -1, "Z:4>1=1*0+1$x", WIRE_A);
    refused(ngx_pad_commit_stage_validate(&f.st), &f,
            "baseRev out of range", "validate: baseRev -1");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 2, "a.A", 3, "Z:4>1=1*0+1$x", WIRE_A);
    refused(ngx_pad_commit_stage_validate(&f.st), &f,
            "baseRev out of range", "validate: baseRev after the head");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 2, "a.A", 2, "Z:4>1=1*0+1$x", WIRE_A);
    f.st.sent_rev = 1;
    refused(ngx_pad_commit_stage_validate(&f.st), &f,
            "baseRev is a revision the session was never sent",
            "validate: baseRev never sent");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1=1*0+1$x", "[]");
    refused(ngx_pad_commit_stage_validate(&f.st), &f, "invalid apool",
            "validate: apool not an object");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1=1*0+1$x",
            "{\"numToAttrib\":{\"0\":[\"author\"]},\"nextNum\":1}");
    refused(ngx_pad_commit_stage_validate(&f.st), &f, "invalid apool",
            "validate: apool entry not a pair");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1=1*0+1$x",
            "{\"numToAttrib\":{\"0\":[\"author\",\"a.A\"],"
            "\"1\":[\"bold\",\"true\"]},\"nextNum\":2}");
    f.st.max_pool = 1;
    refused(ngx_pad_commit_stage_validate(&f.st), &f, "invalid apool",
            "validate: apool larger than pad_max_wire_pool");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1=1*0+1", WIRE_A);
    rc = ngx_pad_commit_stage_validate(&f.st);
    is_int(rc, NGX_PAD_COMMIT_ERROR, "validate: bad changeset refused");
    ok(f.st.why != NULL && strcmp(f.st.why, ngx_pad_ctx_error(ctx)) == 0,
       "validate: bad changeset, why is checkRep's message");
    diag("checkRep: %s", f.st.why ? f.st.why : "NULL");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1=1*0+1$x", WIRE_A);
    rc = ngx_pad_commit_stage_validate(&f.st);
    is_int(rc, NGX_PAD_COMMIT_OK, "validate: a valid commit");
    ok(f.st.u.old_len == 4 && f.st.u.new_len == 5,
       "validate: the changeset unpacked");
    is_int(ngx_pad_pool_next_num(f.st.wire), 1, "validate: the wire pool");
    is_str(C(&f.st.u.ops), "=1*0+1", "validate: its ops");
    fx_done(&f);
}


static void
test_stamp_pool(void)
{
    int   rc;
    fx_t  f;

    /* author rules */

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1*0+1$x", WIRE_B);
    refused(fx_first(&f), &f, "foreign author on an insert or delete",
            "authors: an insert attributed to another author");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4<1*0-1$", WIRE_B);
    refused(fx_first(&f), &f, "foreign author on an insert or delete",
            "authors: a delete attributed to another author");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>0*0=1$",
            "{\"numToAttrib\":{\"0\":[\"author\",\"a.C\"]},\"nextNum\":1}");
    refused(fx_first(&f), &f, "foreign author not in the pad's pool",
            "authors: a keep given an author the pad never had");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>0*0=1$", WIRE_B);
    rc = fx_first(&f);
    is_int(rc, NGX_PAD_COMMIT_OK,
           "authors: a keep given an author of the pad (undo)");
    is_str(C(&f.st.moved), "Z:4>0*0=1$", "authors: ... in the pad's pool");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>0*0=1$",
            "{\"numToAttrib\":{\"0\":[\"author\",\"\"]},\"nextNum\":1}");
    is_int(fx_first(&f), NGX_PAD_COMMIT_OK,
           "authors: a keep clearing the authorship");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1*1+1$x", WIRE_A);
    refused(fx_first(&f), &f, "attribute not in the changeset's pool",
            "authors: an attribute not in the apool");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1+1$x", WIRE_NONE);
    f.st.require_author = 1;
    refused(fx_first(&f), &f, "insert without an author",
            "authors: an insert without an author (pad_require_author)");
    fx_done(&f);

    /* stamping, attributes kept sorted by key */

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1=1*0*1+1$x",
            "{\"numToAttrib\":{\"0\":[\"align\",\"left\"],"
            "\"1\":[\"bold\",\"true\"]},\"nextNum\":2}");
    rc = fx_first(&f);
    is_int(rc, NGX_PAD_COMMIT_OK, "stamp: an insert without an author");
    is_str(C(&f.st.cs), "Z:4>1=1*0*2*1+1$x",
           "stamp: the author between align and bold (wire numbers)");
    is_str(C(&f.st.moved), "Z:4>1=1*2*1*3+1$x",
           "stamp: moved to the pad's pool numbers");
    ok(f.st.target != NULL && f.st.target != f.pool,
       "pool: a clone when the commit adds entries");
    is_int(ngx_pad_pool_next_num(f.pool), 2, "pool: the pad's is unchanged");
    is_int(ngx_pad_pool_next_num(f.st.target), 4,
           "pool: the clone has the new entries");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1*0+1$x",
            "{\"numToAttrib\":{\"0\":[\"zoom\",\"2\"]},\"nextNum\":1}");
    is_int(fx_first(&f), NGX_PAD_COMMIT_OK, "stamp: after the key");
    is_str(C(&f.st.cs), "Z:4>1*1*0+1$x",
           "stamp: the author before zoom");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>2=1*0+1+1$xy", WIRE_A);
    is_int(fx_first(&f), NGX_PAD_COMMIT_OK, "stamp: one of two inserts");
    is_str(C(&f.st.moved), "Z:4>2=1*1+2$xy",
           "stamp: the two inserts merged (canonical form)");
    ok(f.st.target == f.pool, "pool: no clone when nothing is new");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1+1$x", WIRE_NONE);
    is_int(fx_first(&f), NGX_PAD_COMMIT_OK, "stamp: an empty apool");
    is_str(C(&f.st.moved), "Z:4>1*1+1$x", "stamp: the committer's number");
    fx_done(&f);

    /* the pool */

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1=2*0+1$Z", WIRE_A);
    is_int(fx_first(&f), NGX_PAD_COMMIT_OK, "pool: moveOpsToNewPool");
    is_str(C(&f.st.moved), "Z:4>1=2*1+1$Z", "pool: as Etherpad's");
    ok(f.st.target == f.pool, "pool: the pad's when nothing is new");
    is_int(f.st.from, 1, "pool: the rebase starts after baseRev");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1=2*0+1$Z",
            "{\"numToAttrib\":{\"0\":[\"author\",\"a.A\"],"
            "\"1\":[\"bold\",\"true\"]},\"nextNum\":2}");
    f.b.grouped = 1;
    rc = fx_first(&f);
    is_int(rc, NGX_PAD_COMMIT_AGAIN,
           "pool: new entries wait when not first in a group");
    is_str(f.st.why, "new pool entries", "pool: ... with the reason");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.C", 0, "Z:4<1=2-1$", WIRE_NONE);
    rc = fx_first(&f);
    is_int(rc, NGX_PAD_COMMIT_OK, "pool: a new author alone");
    ok(f.st.target != f.pool, "pool: ... is a new entry: a clone");
    fx_done(&f);
}


static const rev_t  two_revs[] = {
    { "Z:4>1=1*0+1$X", "a.B" },
    { "Z:5>1=3*0+1$Y", "a.B" },
};


static void
test_rebase(void)
{
    int            rc;
    fx_t           f;
    ngx_pad_str_t  kept;
    const rev_t    resent[] = { { "Z:4>1=2*1+1$Z", "a.A" } };
    const rev_t    other[] = { { "Z:4>1=2*1+1$Z", "a.B" } };

    /* over two revisions, as Etherpad (see the top of this file) */

    fx_init(&f, "aXbYc\n", "+1*0+1+1*0+1|1+2", 2, "a.A", 0,
            "Z:4>1=2*0+1$Z", WIRE_A);
    f.revs = two_revs;
    f.nrevs = 2;
    is_int(fx_first(&f), NGX_PAD_COMMIT_OK, "rebase: prepared");
    rc = ngx_pad_commit_stage_rebase(&f.st, &f.b);
    is_int(rc, NGX_PAD_COMMIT_OK, "rebase: over two revisions");
    is_str(C(&f.st.rebased), "Z:6>1=4*1+1$Z", "rebase: Etherpad's result");
    rc = ngx_pad_commit_stage_apply(&f.st, &f.b);
    is_int(rc, NGX_PAD_COMMIT_OK, "rebase: applies to the head");
    is_str(C(&f.st.atext.text), "aXbYZc\n", "rebase: Etherpad's text");
    is_str(C(&f.st.atext.attribs), "+1*0+1+1*0+1*1+1|1+2",
           "rebase: Etherpad's attribution");
    fx_done(&f);

    /* a revision missing */

    fx_init(&f, "aXbYc\n", "+1*0+1+1*0+1|1+2", 2, "a.A", 0,
            "Z:4>1=2*0+1$Z", WIRE_A);
    f.revs = two_revs;
    f.nrevs = 1;
    (void) fx_first(&f);
    rc = ngx_pad_commit_stage_rebase(&f.st, &f.b);
    is_int(rc, NGX_PAD_COMMIT_AGAIN, "rebase: a revision missing");
    is_str(f.st.why, "a revision after baseRev is missing",
           "rebase: ... with the reason");
    fx_done(&f);

    /* a retransmission: the committer's own revision 1 sent again */

    fx_init(&f, "abZc\n", "+2*1+1|1+2", 1, "a.A", 0, "Z:4>1=2*0+1$Z",
            WIRE_A);
    f.revs = resent;
    f.nrevs = 1;
    (void) fx_first(&f);
    rc = ngx_pad_commit_stage_rebase(&f.st, &f.b);
    is_int(rc, NGX_PAD_COMMIT_OK, "retransmission: rebased");
    is_str(C(&f.st.rebased), "Z:5>0$", "retransmission: to the identity");
    rc = ngx_pad_commit_stage_apply(&f.st, &f.b);
    is_int(rc, NGX_PAD_COMMIT_DECLINED, "retransmission: changes nothing");
    fx_done(&f);

    /* the same changeset by another author is no retransmission */

    fx_init(&f, "abZc\n", "+2*1+1|1+2", 1, "a.A", 0, "Z:4>1=2*0+1$Z",
            WIRE_A);
    f.revs = other;
    f.nrevs = 1;
    (void) fx_first(&f);
    rc = ngx_pad_commit_stage_rebase(&f.st, &f.b);
    is_str(C(&f.st.rebased), "Z:5>1=3*1+1$Z",
           "retransmission: not when another author stored it");
    is_int(ngx_pad_commit_stage_apply(&f.st, &f.b), NGX_PAD_COMMIT_OK,
           "retransmission: ... and it applies");
    is_str(C(&f.st.atext.text), "abZZc\n", "retransmission: ... twice");
    fx_done(&f);

    /* a retry follows only what was stored after on_rev */

    fx_init(&f, "aXbYc\n", "+1*0+1+1*0+1|1+2", 2, "a.A", 0, "", WIRE_A);
    f.revs = two_revs + 1;
    f.first = 2;
    f.nrevs = 1;
    kept = S("Z:5>1=3*1+1$Z");
    rc = ngx_pad_commit_stage_run(&f.st, &f.b, &kept, 1);
    is_int(rc, NGX_PAD_COMMIT_OK, "retry: over the revisions after on_rev");
    is_str(C(&f.st.rebased), "Z:6>1=4*1+1$Z", "retry: Etherpad's result");
    ok(f.st.target == f.pool, "retry: the pad's pool");
    fx_done(&f);

    fx_init(&f, "aXbYc\n", "+1*0+1+1*0+1|1+2", 2, "a.A", 0, "", WIRE_A);
    kept = S("Z:5>1=3*1+1$Z");
    rc = ngx_pad_commit_stage_run(&f.st, &f.b, &kept, 3);
    refused(rc, &f, "rebased beyond the pad's head",
            "retry: rebased beyond the head");
    fx_done(&f);
}


static void
test_apply(void)
{
    int              rc;
    fx_t             f;
    ngx_pad_str_t    k, v;
    ngx_pad_pool_t  *clone;

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:5>1=1*0+1$x", WIRE_A);
    rc = ngx_pad_commit_stage_run(&f.st, &f.b, NULL, 0);
    refused(rc, &f, "changeset length does not match the pad",
            "apply: length mismatch");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4<1=3|1-1$", WIRE_NONE);
    rc = ngx_pad_commit_stage_run(&f.st, &f.b, NULL, 0);
    refused(rc, &f, "the pad would not end with a newline",
            "apply: no final newline");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>0$", WIRE_NONE);
    rc = ngx_pad_commit_stage_run(&f.st, &f.b, NULL, 0);
    is_int(rc, NGX_PAD_COMMIT_DECLINED, "apply: the identity is a no-op");
    fx_done(&f);

    fx_init(&f, "abc\n", "*1+3|1+1", 0, "a.A", 0, "Z:4>0*0=3$", WIRE_A);
    rc = ngx_pad_commit_stage_run(&f.st, &f.b, NULL, 0);
    is_int(rc, NGX_PAD_COMMIT_DECLINED,
           "apply: an attribute the text has already is a no-op");
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.C", 0, "Z:4<1=2-1$", WIRE_NONE);
    rc = ngx_pad_commit_stage_run(&f.st, &f.b, NULL, 0);
    is_int(rc, NGX_PAD_COMMIT_OK, "apply: a delete");
    is_str(C(&f.st.atext.text), "ab\n", "apply: the text after it");
    is_str(C(&f.st.atext.attribs), "|1+3", "apply: its attribution");
    is_int(f.st.new_len16, 3, "apply: the new length");
    clone = ngx_pad_commit_stage_take_pool(&f.st, &f.b);
    ok(clone != NULL && clone != f.pool, "apply: the clone is taken");
    ok(clone && ngx_pad_pool_get(clone, 2, &k, &v) == 0
       && k.len == 6 && memcmp(k.data, "author", 6) == 0
       && v.len == 3 && memcmp(v.data, "a.C", 3) == 0,
       "apply: the author is in the pool even if no op has it");
    is_int(ngx_pad_pool_next_num(f.pool), 2, "apply: the pad's unchanged");
    ok(f.st.target == NULL, "apply: the stage no longer owns it");
    if (clone) {
        ngx_pad_pool_destroy(clone);
    }
    fx_done(&f);

    fx_init(&f, "abc\n", NULL, 0, "a.A", 0, "Z:4>1=3*0+1$x", WIRE_A);
    rc = ngx_pad_commit_stage_run(&f.st, &f.b, NULL, 0);
    is_int(rc, NGX_PAD_COMMIT_OK, "apply: an insert");
    ok(ngx_pad_commit_stage_take_pool(&f.st, &f.b) == NULL,
       "apply: no clone to take when nothing is new");
    fx_done(&f);
}


int
main(void)
{
    ctx = ngx_pad_ctx_create();
    if (ctx == NULL) {
        return 2;
    }

    test_validate();
    test_stamp_pool();
    test_rebase();
    test_apply();

    ngx_pad_ctx_destroy(ctx);

    return done_testing();
}
