
/*
 * Unit tests of src/access/ (TAP): Etherpad 2.x's access decision, the
 * session ids of a sessionID value, a session's validity.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/ngx_pad_access.h"

#include "tap.h"


#define GPAD  "g.AAAAAAAAAAAAAAAA$notes"


static ngx_pad_str_t
S(const char *s)
{
    ngx_pad_str_t  r;

    r.data = s;
    r.len = strlen(s);

    return r;
}


static ngx_pad_access_t
decide(const char *pad, ngx_pad_access_facts_t f)
{
    ngx_pad_access_t  a;

    ngx_pad_access_decide(pad, strlen(pad), &f, &a);

    return a;
}


static void
test_decide(void)
{
    ngx_pad_access_t        a;
    ngx_pad_access_facts_t  f;

    /* a plain pad: the token is enough, existing or not */

    memset(&f, 0, sizeof(f));
    f.token_ok = 1;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_GRANT, "new plain pad: granted");
    is_int(a.session_author, 0, "new plain pad: the token's author");

    f.exists = 1;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_GRANT, "plain pad: granted");

    f.token_ok = 0;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_DENY, "plain pad, bad token: denied");
    is_str(a.reason, "an invalid author token", "the reason names it");

    f.session = 1;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_GRANT,
           "bad token but a session: granted (Etherpad)");
    is_int(a.session_author, 1, "the session's author");

    /* pad_edit_only */

    memset(&f, 0, sizeof(f));
    f.token_ok = 1;
    f.edit_only = 1;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_DENY, "edit_only, new pad: denied");
    f.exists = 1;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_GRANT, "edit_only, existing: granted");
    f.exists = 0;
    f.session = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_DENY,
           "edit_only, new group pad with a session: denied");

    /* pad_require_session */

    memset(&f, 0, sizeof(f));
    f.token_ok = 1;
    f.exists = 1;
    f.require_session = 1;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_DENY, "require_session, none: denied");
    f.public = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_DENY,
           "require_session, public group pad, no session: denied");
    f.session = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_GRANT, "require_session, session: ok");
    is_int(a.session_author, 1, "require_session: the session's author");

    /* group pads */

    memset(&f, 0, sizeof(f));
    f.token_ok = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_DENY, "new group pad, no session");
    is_str(a.reason, "a group pad can be created only with a session of "
           "its group", "its reason");
    f.session = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_GRANT, "new group pad with a session");
    is_int(a.session_author, 1, "the session's author");

    memset(&f, 0, sizeof(f));
    f.token_ok = 1;
    f.exists = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_DENY, "private group pad, no session");
    is_int(a.session_author, 0, "no author on a denial");
    f.public = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_GRANT, "public group pad, token only");
    is_int(a.session_author, 0, "public: the token's author");
    f.token_ok = 0;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_DENY, "public group pad, bad token");
    f.public = 0;
    f.session = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_GRANT, "private group pad, session");

    /* read-only ids */

    memset(&f, 0, sizeof(f));
    f.token_ok = 1;
    f.exists = 1;
    f.readonly_id = 1;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_READONLY, "r. id: read-only");
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_DENY,
           "r. id of a private group pad without session: denied");
    f.session = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_READONLY,
           "r. id of a private group pad with session: read-only");
    f.exists = 0;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_DENY, "r. id of no pad: denied");

    /* the site's check */

    memset(&f, 0, sizeof(f));
    f.token_ok = 1;
    f.exists = 1;
    f.check = NGX_PAD_ACCESS_CHECK_DENY;
    f.session = 1;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_DENY, "check deny beats a session");
    is_str(a.reason, "the access check denied it", "its reason");
    f.check = NGX_PAD_ACCESS_CHECK_READONLY;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_READONLY, "check read-only");
    f.exists = 0;
    a = decide("plain", f);
    is_int(a.status, NGX_PAD_ACCESS_DENY,
           "check read-only cannot create a pad");
    f.check = NGX_PAD_ACCESS_CHECK_ALLOW;
    f.session = 0;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_DENY,
           "check allow does not open a new group pad without session");
    f.exists = 1;
    f.public = 1;
    a = decide(GPAD, f);
    is_int(a.status, NGX_PAD_ACCESS_GRANT, "check allow, public group pad");
}


static void
test_ids(void)
{
    size_t         n;
    ngx_pad_str_t  ids[NGX_PAD_ACCESS_IDS_MAX];
    const char    *v;
    char           big[4096];
    size_t         i;

    v = "s.aaaa";
    n = ngx_pad_access_session_ids(v, strlen(v), ids, 0, 16);
    is_int((int) n, 1, "one id");
    ok(ids[0].len == 6 && memcmp(ids[0].data, "s.aaaa", 6) == 0, "its text");

    v = "\"s.a, s.b,,s.c ,s.a\"";
    n = ngx_pad_access_session_ids(v, strlen(v), ids, 0, 16);
    is_int((int) n, 3, "a quoted comma list, a blank, a duplicate");
    ok(ids[1].len == 3 && memcmp(ids[1].data, "s.b", 3) == 0, "trimmed");
    ok(ids[2].len == 3 && memcmp(ids[2].data, "s.c", 3) == 0, "trimmed end");

    v = "s.x}{,s.ok,s\r\n.z, s.y z";
    n = ngx_pad_access_session_ids(v, strlen(v), ids, 0, 16);
    is_int((int) n, 1, "ids with foreign bytes are skipped");
    ok(ids[0].len == 4 && memcmp(ids[0].data, "s.ok", 4) == 0, "the good one");

    v = "s.ok,s.more";
    n = ngx_pad_access_session_ids(v, strlen(v), ids, 1, 16);
    is_int((int) n, 2, "appended, the one already there not again");

    for (i = 0; i + 4 < sizeof(big); i += 4) {
        memcpy(big + i, "s.x,", 4);
        big[i + 2] = (char) ('a' + (i / 4) % 26);
    }

    n = ngx_pad_access_session_ids(big, i, ids, 0, NGX_PAD_ACCESS_IDS_MAX);
    is_int((int) n, NGX_PAD_ACCESS_IDS_MAX, "a long list is bounded");

    memset(big, 'a', NGX_PAD_ACCESS_ID_MAX + 1);
    n = ngx_pad_access_session_ids(big, NGX_PAD_ACCESS_ID_MAX + 1, ids, 0, 16);
    is_int((int) n, 0, "an id over the length limit is skipped");
    n = ngx_pad_access_session_ids(big, NGX_PAD_ACCESS_ID_MAX, ids, 0, 16);
    is_int((int) n, 1, "an id at the limit is kept");

    n = ngx_pad_access_session_ids("", 0, ids, 0, 16);
    is_int((int) n, 0, "empty");
    n = ngx_pad_access_session_ids("\"", 1, ids, 0, 16);
    is_int((int) n, 0, "a lone quote");
}


static void
test_session(void)
{
    ngx_pad_str_t  g, v;
    const char    *grp = "g.AAAAAAAAAAAAAAAA";

    g = S(grp);
    v = S("1000");
    ok(ngx_pad_access_session_valid(grp, strlen(grp), &g, &v, 999),
       "same group, before validUntil");
    ok(!ngx_pad_access_session_valid(grp, strlen(grp), &g, &v, 1000),
       "at validUntil: expired (now < validUntil)");
    g = S("g.BBBBBBBBBBBBBBBB");
    ok(!ngx_pad_access_session_valid(grp, strlen(grp), &g, &v, 1),
       "another group");
    g = S(grp);
    v = S("10x");
    ok(!ngx_pad_access_session_valid(grp, strlen(grp), &g, &v, 1),
       "validUntil not a number");
    v = S("");
    ok(!ngx_pad_access_session_valid(grp, strlen(grp), &g, &v, 1),
       "validUntil missing");
    v = S("-5");
    ok(!ngx_pad_access_session_valid(grp, strlen(grp), &g, &v, -10),
       "validUntil negative");
    g = S("");
    v = S("1000");
    ok(!ngx_pad_access_session_valid("", 0, &g, &v, 1), "empty group");

    is_int((int) ngx_pad_access_group_len(GPAD, strlen(GPAD)), 18,
           "the group of a group pad");
    is_int((int) ngx_pad_access_group_len("plain", 5), 5,
           "a plain pad's \"group\" is its id (split('$')[0])");
    ok(ngx_pad_access_group_pad(GPAD, strlen(GPAD)), "a group pad");
    ok(!ngx_pad_access_group_pad("plain", 5), "not a group pad");
}


int
main(void)
{
    test_decide();
    test_ids();
    test_session();

    return done_testing();
}
