/*
 * Unit tests of the Easysync engine (src/easysync/), TAP output.
 *
 * Golden vectors from the reference (etherpad-protocol.md §6.4, §6.6,
 * §6.7, Appendix B), Etherpad's own easysync unit tests, and the cases
 * where Etherpad 2.x differs from 1.8.14 (stricter checkRep, makeSplice
 * past the end), which the differential test cannot cover.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_cs_arena.h"
#include "easysync/ngx_pad_cs_ctx.h"
#include "easysync/ngx_pad_cs_num.h"
#include "easysync/ngx_pad_cs_ops.h"
#include "easysync/ngx_pad_cs_str.h"
#include "easysync/ngx_pad_pool_json.h"

#include "tap.h"


static ngx_pad_ctx_t  *ctx;


static ngx_pad_str_t
S(const char *s)
{
    ngx_pad_str_t  r;

    r.data = s;
    r.len = strlen(s);

    return r;
}


static int
eq(ngx_pad_str_t *s, const char *want)
{
    if (s->len == strlen(want) && memcmp(s->data, want, s->len) == 0) {
        return 1;
    }

    diag("  got: '%.*s'", (int) s->len, s->data);
    diag(" want: '%s'", want);

    return 0;
}


static int
err_is(const char *want)
{
    if (strcmp(ngx_pad_ctx_error(ctx), want) == 0) {
        return 1;
    }

    diag("  got error: '%s'", ngx_pad_ctx_error(ctx));
    diag(" want error: '%s'", want);

    return 0;
}


/* a pool from a JSON text */

static ngx_pad_pool_t *
P(const char *json)
{
    char             err[256];
    json_t          *j;
    json_error_t     e;
    ngx_pad_pool_t  *pool;

    pool = ngx_pad_pool_create();

    if (json == NULL) {
        return pool;
    }

    j = json_loads(json, 0, &e);

    if (j == NULL || ngx_pad_pool_from_json(pool, j, err, sizeof(err)) != 0) {
        diag("bad pool %s", json);
        exit(1);
    }

    json_decref(j);

    return pool;
}


static void
check_rep(const char *cs, const char *want_err, const char *name)
{
    ngx_pad_str_t  s = S(cs);
    intptr_t       rc;

    rc = ngx_pad_cs_check_rep(ctx, &s);

    if (want_err == NULL) {
        ok(rc == NGX_PAD_CS_OK, name);

        if (rc != NGX_PAD_CS_OK) {
            diag("  error: %s", ngx_pad_ctx_error(ctx));
        }

    } else {
        ok(rc == NGX_PAD_CS_ERROR && err_is(want_err), name);
    }
}


static void
compose(const char *a, const char *b, const char *pool_json,
    const char *want, const char *name)
{
    ngx_pad_str_t    s1 = S(a), s2 = S(b), out;
    ngx_pad_pool_t  *pool = P(pool_json);

    ok(ngx_pad_cs_compose(ctx, &s1, &s2, pool, &out) == NGX_PAD_CS_OK
       && eq(&out, want), name);

    ngx_pad_pool_destroy(pool);
}


static void
follow(const char *a, const char *b, int rev, const char *pool_json,
    const char *want, const char *name)
{
    ngx_pad_str_t    s1 = S(a), s2 = S(b), out;
    ngx_pad_pool_t  *pool = P(pool_json);

    ok(ngx_pad_cs_follow(ctx, &s1, &s2, rev, pool, &out) == NGX_PAD_CS_OK
       && eq(&out, want), name);

    ngx_pad_pool_destroy(pool);
}


static void
apply(const char *cs, const char *text, const char *want, const char *name)
{
    ngx_pad_str_t  c = S(cs), t = S(text), out;
    intptr_t       rc;

    rc = ngx_pad_cs_apply_to_text(ctx, &c, &t, &out);

    if (want[0] == '!') {
        ok(rc == NGX_PAD_CS_ERROR && err_is(want + 1), name);

    } else {
        ok(rc == NGX_PAD_CS_OK && eq(&out, want), name);
    }
}


static void
splice(const char *orig, intptr_t start, intptr_t ndel, const char *ins,
    const char *attribs, const char *want, const char *name)
{
    ngx_pad_str_t  o = S(orig), i = S(ins), a, out;
    intptr_t       rc;

    a = attribs ? S(attribs) : S("");

    rc = ngx_pad_cs_make_splice(ctx, &o, start, ndel, &i,
                                attribs ? &a : NULL, &out);

    if (want[0] == '!') {
        ok(rc == NGX_PAD_CS_ERROR && err_is(want + 1), name);

    } else {
        ok(rc == NGX_PAD_CS_OK && eq(&out, want), name);
    }
}


static void
assem(const char *in, const char *want, const char *name)
{
    ngx_pad_str_t       ops = S(in), out;
    ngx_pad_op_t        op;
    ngx_pad_sassem_t    sa;
    ngx_pad_op_iter_t   it;

    memset(&sa, 0, sizeof(sa));
    ngx_pad_sassem_init(&sa);
    ngx_pad_op_iter_init(&it, &ops);

    while (ngx_pad_op_next(ctx, &it, &op) == 1) {
        ngx_pad_sassem_append(ctx, &sa, &op);
    }

    ngx_pad_sassem_end_document(ctx, &sa);
    ngx_pad_sassem_finish(ctx, &sa);

    out.data = sa.out.data;
    out.len = sa.out.len;

    ok(eq(&out, want), name);

    ngx_pad_sassem_free(&sa);
}


static void
atext_step(const char *cs, ngx_pad_atext_t *at, ngx_pad_pool_t *pool,
    const char *text, const char *attribs, const char *name)
{
    ngx_pad_str_t    c = S(cs);
    ngx_pad_atext_t  out;

    ok(ngx_pad_cs_apply_to_atext(ctx, &c, at, pool, &out) == NGX_PAD_CS_OK
       && eq(&out.text, text) && eq(&out.attribs, attribs), name);

    *at = out;
}


static void
test_check_rep(void)
{
    /* §6.4 */
    check_rep("Z:4>2+1+1$ab",
              "Failed assertion: Invalid changeset: not in canonical form",
              "checkRep: +1+1 not canonical");
    check_rep("Z:4>0+1-1$a",
              "Failed assertion: Invalid changeset: not in canonical form",
              "checkRep: + before - not canonical");
    check_rep("Z:4>0=1$",
              "Failed assertion: Invalid changeset: not in canonical form",
              "checkRep: trailing pure keep not canonical");
    check_rep("Z:4>0*0=1=3$",
              "Failed assertion: Invalid changeset: not in canonical form",
              "checkRep: trailing =3 after *0=1 not canonical");
    check_rep("Z:4>1=2=1+1$a",
              "Failed assertion: Invalid changeset: not in canonical form",
              "checkRep: =2=1 not merged");
    check_rep("Z:4>0$", NULL, "checkRep: identity");
    check_rep("Z:4>0*0=1$", NULL, "checkRep: attributed keep");
    check_rep("Z:4>0-1+1$a", NULL, "checkRep: -1+1");
    check_rep("Z:4>1=1+1$ab",
              "Failed assertion: Invalid changeset: excess characters in "
              "the charBank", "checkRep: excess charBank");
    check_rep("Z:4>2=1+1$a",
              "Failed assertion: Invalid changeset: claimed length does not "
              "match actual length", "checkRep: claimed length");
    check_rep("Z:A>1+1$a", "Not a changeset: Z:A>1+1$a",
              "checkRep: upper case is not a changeset");

    /* Etherpad 2.x strictness (1.8.14 accepts these) */
    check_rep("Z:1>1|1+1$a",
              "Failed assertion: Invalid changeset: number of newlines in "
              "insert op does not match the charBank",
              "checkRep 2.x: |1 on an insert without newline");
    check_rep("Z:1>1+1$\n",
              "Failed assertion: Invalid changeset: number of newlines in "
              "insert op does not match the charBank",
              "checkRep 2.x: newline inserted without |1");
    check_rep("Z:1>3|1+3$a\nb",
              "Failed assertion: Invalid changeset: multiline insert op "
              "does not end with a newline",
              "checkRep 2.x: multiline insert must end with a newline");
    check_rep("Z:1>3|1+2+1$a\nb", NULL,
              "checkRep: |1+2+1$a\\nb is canonical");
    check_rep("Z:1>2+3$ab",
              "Failed assertion: Invalid changeset: not enough chars in "
              "charBank", "checkRep 2.x: not enough chars in charBank");
    check_rep("Z:4>1=1+1%1$a", "invalid operation: %1",
              "checkRep 2.x: invalid operation");
    check_rep("Z:4<5-5$", "Failed assertion: 5 > 4 in Z:4<5-5$",
              "checkRep: delete past the end");
    check_rep("Z:4>1=4+1$a", NULL, "checkRep: insert at end");
    check_rep("Z:4>1=2=1+1$a",
              "Failed assertion: Invalid changeset: not in canonical form",
              "checkRep: keeps must merge");
    check_rep("Z:4>0<0$",
              "invalid operation: <0",
              "checkRep: second header");
    check_rep("Z:4<0$",
              "Failed assertion: Invalid changeset: not in canonical form",
              "checkRep: <0 is not canonical");
    check_rep("Z:04>0$",
              "Failed assertion: Invalid changeset: not in canonical form",
              "checkRep: leading zero is not canonical");
    check_rep("Z:4>0-0$",
              "Failed assertion: Invalid changeset: not in canonical form",
              "checkRep: zero-length op");
    check_rep("Z:4>1*0+1$$", NULL, "checkRep: '$' in the charBank");
    check_rep("Z:6>1|1=6*0+1$X", NULL,
              "checkRep: Z:6>1|1=6*0+1$X passes (Pad.check rejects it)");
    check_rep("Z:1>2+2$\xf0\x9f\x98\x80", NULL,
              "checkRep: emoji is 2 units");
    check_rep("Z:1>1+1$\xf0\x9f\x98\x80",
              "Invalid changeset: an insert op splits a surrogate pair "
              "(a character outside the BMP)",
              "checkRep: emoji is not 1 unit (refused, not split)");
    check_rep("Z:1>2*0+1*1+1$\xf0\x9f\x98\x80",
              "Invalid changeset: an insert op splits a surrogate pair "
              "(a character outside the BMP)",
              "checkRep: an op boundary inside a surrogate pair");
    check_rep("Z:1>1+1$\xed\xa0\x80",
              "Not a changeset: invalid UTF-8 (or a lone surrogate)",
              "checkRep: lone surrogate (CESU-8) rejected");
    check_rep("Z:1>1+1$\xff",
              "Not a changeset: invalid UTF-8 (or a lone surrogate)",
              "checkRep: invalid UTF-8 rejected");
    check_rep("this is not a valid changeset",
              "Not a changeset: this is not a valid changeset",
              "checkRep: messages.ts reject vector");
    check_rep("Z:1>5*0+5$hello", NULL, "checkRep: messages.ts accept");
    check_rep("Z:6>0-5*0+5$hello", NULL, "checkRep: net no-op");
    check_rep("Z:zzzzzzzzzzzz>0$", "Not a changeset: number too large",
              "checkRep: number beyond 2^53");
}


static void
test_apply(void)
{
    ngx_pad_pool_t   *pool;
    ngx_pad_atext_t   at;
    ngx_pad_str_t     t, a;

    apply("Z:4>1=1-1+2$XY", "abc\n", "aXYc\n", "applyToText: oracle example");
    apply("Z:6>1=3+1$x", "ab\ncd\n", "!newline count is wrong in op =",
          "applyToText: Appendix B wrong |L");
    apply("Z:6>1|1=3+1$x", "ab\ncd\n", "ab\nxcd\n",
          "applyToText: Appendix B right |L");
    apply("Z:4>3=3+3$XYZ", "abc\n", "abcXYZ\n", "wire-vectors plain insert");
    apply("Z:7<3=1-3$", "abcdef\n", "aef\n", "wire-vectors delete");
    apply("Z:4>8=3|2+8$one\ntwo\n", "abc\n", "abcone\ntwo\n\n",
          "wire-vectors multi-line");
    apply("Z:5>0$", "abc\n", "!Failed assertion: mismatched apply: 4 / 5",
          "applyToText: mismatched apply");
    apply("Z:3>1=2+1$x", "\xf0\x9f\x98\x80\n", "\xf0\x9f\x98\x80x\n",
          "applyToText: keep over an emoji");
    apply("Z:3>1=1+1$x", "\xf0\x9f\x98\x80\n",
          "!operation splits a surrogate pair (a character outside the BMP)",
          "applyToText: splitting a surrogate pair is an error");
    apply("Z:4>1=1+1$x", "a\xed\xa0\x80\n",
          "!invalid UTF-8 (or a lone surrogate) in text",
          "applyToText: lone surrogate in text");
    apply("Z:4>0-5$", "abc\n", "!Failed assertion: !(5 <= remaining)",
          "applyToText: delete past the end");

    /* Appendix B */

    pool = P("{\"numToAttrib\":{\"0\":[\"author\",\"a.x\"],"
             "\"1\":[\"author\",\"a.y\"]},\"nextNum\":2}");
    at.text = S("\n");
    at.attribs = S("|1+1");
    atext_step("Z:1>5*0+5$hello", &at, pool, "hello\n", "*0+5|1+1",
               "applyToAText: insert hello by *0");
    atext_step("Z:6>6=5*1|1+1*1+5$\nworld", &at, pool, "hello\nworld\n",
               "*0+5*1|1+1*1+5|1+1", "applyToAText: \\nworld by *1");
    ngx_pad_pool_destroy(pool);

    /* applyToAttribution tests of easysync-other.test.ts */

    pool = P("{\"numToAttrib\":{\"0\":[\"bold\",\"\"],"
             "\"1\":[\"bold\",\"true\"]},\"nextNum\":2}");
    t = S("Z:7>3-1*0=1*1=1=3+4$abcd");
    a = S("+1*1+1|1+5");
    ok(ngx_pad_cs_apply_to_attribution(ctx, &t, &a, pool, &a)
       == NGX_PAD_CS_OK && eq(&a, "+1*1+1|1+8"), "applyToAttribution#1");
    t = S("Z:g<4*1|1=6*1=5-4$");
    a = S("|2+g");
    ok(ngx_pad_cs_apply_to_attribution(ctx, &t, &a, pool, &a)
       == NGX_PAD_CS_OK && eq(&a, "*1|1+6*1+5|1+1"), "applyToAttribution#2");
    ngx_pad_pool_destroy(pool);
}


#define WELCOME                                                              \
    "Welcome to Etherpad!\n\nThis pad text is synchronized as you type, so " \
    "that everyone viewing this page sees the same text. This allows you "   \
    "to collaborate seamlessly on documents!\n\nEtherpad on Github: "        \
    "https://github.com/ether/etherpad-lite\n"


static void
test_welcome(void)
{
    ngx_pad_str_t     cs, nl, ins;
    ngx_pad_pool_t   *pool;
    ngx_pad_atext_t   at;

    pool = P("{\"numToAttrib\":{\"0\":[\"author\",\"a.etherpad-system\"]},"
             "\"nextNum\":1}");

    nl = S("\n");
    ins = S(WELCOME);

    ok(ngx_pad_cs_make_splice(ctx, &nl, 0, 0, &ins, NULL, &cs)
       == NGX_PAD_CS_OK && eq(&cs, "Z:1>6k|5+6k$" WELCOME),
       "makeSplice: default pad text (Appendix B form)");

    at.text = S("\n");
    at.attribs = S("|1+1");
    atext_step(cs.data, &at, pool, WELCOME "\n", "|6+6l",
               "applyToAText: EP2-style default pad attribs |6+6l");

    at.text = S("\n");
    at.attribs = S("|1+1");
    atext_step("Z:1>6k*0|5+6k$" WELCOME, &at, pool, WELCOME "\n",
               "*0|5+6k|1+1", "applyToAText: EP3-style default pad");

    ngx_pad_pool_destroy(pool);
}


static void
test_compose_follow(void)
{
    const char     *ab;
    ngx_pad_str_t   cs1, cs2, out;

    compose("Z:4>2=3*0+2$de", "Z:6<1-1$", NULL, "Z:4>1-1=2*0+2$de",
            "compose: §6.5 example");
    compose("Z:2>1*1+1*1=1$x", "Z:3>0*0|1=3$",
            "{\"numToAttrib\":{\"0\":[\"bold\",\"\"],"
            "\"1\":[\"bold\",\"true\"]},\"nextNum\":2}",
            "Z:2>1+1*0|1=2$x", "compose: simpleComposeAttributesTest");
    compose("Z:4>1=1-1+2$XY", "Z:5>1=3+1$!", NULL, "Z:4>2=1-1+3$XY!",
            "compose: oracle example");
    compose("Z:4>2*0+1=3*0+1$AB", "Z:6>0$", "{\"numToAttrib\":{\"0\":"
            "[\"author\",\"a.x\"]},\"nextNum\":1}", "Z:4>2*0+1=3*0+1$AB",
            "compose: with identity");

    ab = "{\"numToAttrib\":{\"0\":[\"author\",\"a.A\"],"
         "\"1\":[\"author\",\"a.B\"]},\"nextNum\":2}";

    follow("Z:4>1=1*0+1$X", "Z:4>1=1*1+1$Y", 0, ab, "Z:5>1=2*1+1$Y",
           "follow: stored text first");
    follow("Z:4>1=1*1+1$Y", "Z:4>1=1*0+1$X", 1, ab, "Z:5>1=1*0+1$X",
           "follow: reverse converges");
    follow("Z:4>1=1*0+1$X", "Z:4>1=1*1+1$Y", 1, ab, "Z:5>1=1*1+1$Y",
           "follow: reverseInsertOrder");
    follow("Z:4>1=1*0+1$X", "Z:4>1=1*0*1+1$Y", 0,
           "{\"numToAttrib\":{\"0\":[\"author\",\"a.A\"],"
           "\"1\":[\"insertorder\",\"first\"]},\"nextNum\":2}",
           "Z:5>1=1*0*1+1$Y", "follow: insertorder=first on op2");
    follow("Z:4>1=1*0*1+1$Y", "Z:4>1=1*0+1$X", 0,
           "{\"numToAttrib\":{\"0\":[\"author\",\"a.A\"],"
           "\"1\":[\"insertorder\",\"first\"]},\"nextNum\":2}",
           "Z:5>1=2*0+1$X", "follow: insertorder=first on op1");
    follow("Z:4>1=1+1$X", "Z:4>1=1|1+1$\n", 0, NULL, "Z:5>1=2|1+1$\n",
           "follow: newline tie (op2 starts with newline)");
    follow("Z:4>1=1|1+1$\n", "Z:4>1=1+1$X", 0, NULL, "Z:5>1=1+1$X",
           "follow: newline tie (op1 starts with newline)");
    follow("Z:c<6-6$", "Z:c>4=6*0+4$big ", 0, "{\"numToAttrib\":{\"0\":"
           "[\"author\",\"a.A\"]},\"nextNum\":1}", "Z:6>4*0+4$big ",
           "follow: delete vs insert");
    follow("Z:4>0*1=1$", "Z:4>0*0=1$", 0,
           "{\"numToAttrib\":{\"0\":[\"bold\",\"a\"],"
           "\"1\":[\"bold\",\"b\"]},\"nextNum\":2}", "Z:4>0*0=1$",
           "follow: attribute conflict, smaller value wins (1)");
    follow("Z:4>0*0=1$", "Z:4>0*1=1$", 0,
           "{\"numToAttrib\":{\"0\":[\"bold\",\"a\"],"
           "\"1\":[\"bold\",\"b\"]},\"nextNum\":2}", "Z:4>0$",
           "follow: attribute conflict, smaller value wins (2)");
    follow("Z:az>2*0+2$Hi", "Z:az>1*0+1$X", 0, "{\"numToAttrib\":{\"0\":"
           "[\"author\",\"a.A\"]},\"nextNum\":1}", "Z:b1>1=2*0+1$X",
           "follow: EP2 captured rebase");
    follow("Z:1>1+1$a", "Z:1>1+1$b", 1, NULL, "Z:2>1+1$b",
           "follow: oracle example");

    /* JS compares UTF-16 units: U+1F600 (D83D DE00) sorts before U+FFFF */
    follow("Z:4>0*1=1$", "Z:4>0*0=1$", 0,
           "{\"numToAttrib\":{\"0\":[\"bold\",\"\xef\xbf\xbf\"],"
           "\"1\":[\"bold\",\"\xf0\x9f\x98\x80\"]},\"nextNum\":2}",
           "Z:4>0$", "follow: UTF-16 order of values (emoji < U+FFFF)");
    cs1 = S("Z:4>1=1+1$X");
    cs2 = S("Z:5>1=1+1$X");
    ok(ngx_pad_cs_follow(ctx, &cs1, &cs2, 0, NULL, &out) == NGX_PAD_CS_ERROR
       && err_is("Failed assertion: mismatched follow - cannot transform cs1 "
              "on top of cs2"), "follow: mismatched lengths error");
}


static void
test_splice(void)
{
    splice("\n", 0, 0, "a\xf0\x9f\x98\x80", "*0",
           "Z:1>3*0+3$a\xf0\x9f\x98\x80", "makeSplice: §6.1 emoji example");
    splice("a\nb\nc\n", 5, 0, "def", NULL, "Z:6>3|2=4=1+3$def",
           "makeSplice: testMakeSplice");
    apply("Z:6>3|2=4=1+3$def", "a\nb\nc\n", "a\nb\ncdef\n",
          "makeSplice: testMakeSplice applies");
    splice("123", 3, 0, "456", NULL, "Z:3>3=3+3$456",
           "makeSplice at the end (2.x)");

    /* past the end: 2.x clamps start to the length, 1.8.14 to length-1 */
    splice("abc\n", 10, 3, "X", NULL, "Z:4>1|1=4+1$X",
           "makeSplice past the end inserts after the final newline (2.x)");
    splice("abc\n", 1, 10, "", NULL, "Z:4<3=1|1-3$",
           "makeSplice: ndel clamped to the end");
    splice("abc\n", -1, 0, "", NULL,
           "!start index must be non-negative (is -1)",
           "makeSplice: negative start (2.x RangeError)");
    splice("abc\n", 0, -2, "", NULL,
           "!characters to delete must be non-negative (is -2)",
           "makeSplice: negative ndel (2.x RangeError)");
    splice("\xf0\x9f\x98\x80\n", 1, 0, "x", NULL,
           "!makeSplice: the splice splits a surrogate pair (a character "
           "outside the BMP)", "makeSplice: inside a surrogate pair");
    splice("ab\ncd\n", 1, 3, "x\ny", NULL, "Z:6>0=1|1-2-1|1+2+1$x\ny",
           "makeSplice: multi-line delete and insert");
}


static void
test_pool_and_wire(void)
{
    json_t          *j;
    char            *s;
    ngx_pad_str_t    cs, out, k, v, k2, v2;
    ngx_pad_pool_t  *p1, *p2, *c;

    p1 = P("{\"numToAttrib\":{\"0\":[\"baz\",\"qux\"],"
           "\"1\":[\"foo\",\"bar\"]},\"nextNum\":2}");
    p2 = P("{\"numToAttrib\":{\"0\":[\"foo\",\"bar\"]},\"nextNum\":1}");

    cs = S("Z:1>2*1+1*0+1$ab");
    ok(ngx_pad_cs_move_ops_to_new_pool(ctx, &cs, p1, p2, &out)
       == NGX_PAD_CS_OK && eq(&out, "Z:1>2*0+1*1+1$ab"),
       "moveOpsToNewPool: testMoveOpsToNewPool");
    cs = S("*1+1*0+1");
    ok(ngx_pad_cs_move_ops_to_new_pool(ctx, &cs, p1, p2, &out)
       == NGX_PAD_CS_OK && eq(&out, "*0+1*1+1"),
       "moveOpsToNewPool: attribution string");
    cs = S("Z:1>2*1*5+1*0+1$*5");
    ok(ngx_pad_cs_move_ops_to_new_pool(ctx, &cs, p1, p2, &out)
       == NGX_PAD_CS_OK && eq(&out, "Z:1>2*0+1*1+1$*5"),
       "moveOpsToNewPool: unknown attribute dropped, charBank untouched");
    ngx_pad_pool_destroy(p1);
    ngx_pad_pool_destroy(p2);

    p1 = P("{\"numToAttrib\":{\"0\":[\"author\",\"a.A\"],\"1\":[\"bold\","
           "\"true\"],\"2\":[\"author\",\"a.BBBB\"]},\"nextNum\":3}");
    p2 = ngx_pad_pool_create();
    cs = S("Z:6>3=5*2+3$xyz");
    ok(ngx_pad_cs_prepare_for_wire(ctx, &cs, p1, p2, &out) == NGX_PAD_CS_OK
       && eq(&out, "Z:6>3=5*0+3$xyz"), "prepareForWire: §6.5 example");
    j = ngx_pad_pool_to_json(p2);
    s = json_dumps(j, JSON_COMPACT);
    ok(s && strcmp(s, "{\"numToAttrib\":{\"0\":[\"author\",\"a.BBBB\"]},"
                      "\"nextNum\":1}") == 0, "prepareForWire: wire pool");
    free(s);
    json_decref(j);
    ngx_pad_pool_destroy(p2);
    ngx_pad_pool_destroy(p1);

    /* putAttrib and the "k,v" quirk */

    p1 = ngx_pad_pool_create();
    k = S("a,b");
    v = S("c");
    k2 = S("a");
    v2 = S("b,c");
    ok(ngx_pad_pool_put_attrib(p1, &k, &v, 0) == 0, "pool: first is 0");
    ok(ngx_pad_pool_put_attrib(p1, &k2, &v2, 1) == 0,
       "pool: [\"a\",\"b,c\"] collides with [\"a,b\",\"c\"]");
    ok(ngx_pad_pool_put_attrib(p1, &v, &k, 1) == -1,
       "pool: absent with dontAddIfAbsent");
    ok(ngx_pad_pool_put_attrib(p1, &v, &k, 0) == 1, "pool: next is 1");
    ok(ngx_pad_pool_get(p1, 1, &k2, &v2) == 0 && eq(&k2, "c")
       && eq(&v2, "a,b"), "pool: getAttrib");
    ok(ngx_pad_pool_get(p1, 2, &k2, &v2) == -1, "pool: getAttrib absent");
    c = ngx_pad_pool_clone(p1);
    ok(c && ngx_pad_pool_next_num(c) == 2
       && ngx_pad_pool_put_attrib(c, &v, &k, 1) == 1, "pool: clone");
    ngx_pad_pool_destroy(c);
    ngx_pad_pool_destroy(p1);

    /* rollback */

    p1 = ngx_pad_pool_create();
    k = S("author");
    v = S("a.1");
    (void) ngx_pad_pool_put_attrib(p1, &k, &v, 0);
    v = S("a.2");
    (void) ngx_pad_pool_put_attrib(p1, &k, &v, 0);
    v = S("a.3");
    (void) ngx_pad_pool_put_attrib(p1, &k, &v, 0);
    ok(ngx_pad_pool_truncate(p1, 1) == 0 && ngx_pad_pool_next_num(p1) == 1
       && ngx_pad_pool_get(p1, 1, &k2, &v2) == -1
       && ngx_pad_pool_put_attrib(p1, &k, &v, 1) == -1
       && ngx_pad_pool_put_attrib(p1, &k, &v, 0) == 1,
       "pool: truncate drops later entries and their lookups");
    v = S("a.1");
    ok(ngx_pad_pool_put_attrib(p1, &k, &v, 1) == 0
       && ngx_pad_pool_truncate(p1, 5) == -1, "pool: truncate keeps the rest");
    ngx_pad_pool_destroy(p1);

    /* fromJsonable: the later number wins a "k,v" collision */
    p1 = P("{\"numToAttrib\":{\"1\":[\"a\",\"b,c\"],\"0\":[\"a,b\",\"c\"]},"
           "\"nextNum\":2}");
    k = S("a,b");
    v = S("c");
    ok(ngx_pad_pool_put_attrib(p1, &k, &v, 1) == 1,
       "pool JSON: attribToNum rebuilt in number order");
    ngx_pad_pool_destroy(p1);

    /* compose keeps the quirk: *0 is rewritten as the colliding *1 */
    compose("Z:1>0*0=1$", "Z:1>0*2=1$",
            "{\"numToAttrib\":{\"0\":[\"a,b\",\"c\"],\"1\":[\"a\",\"b,c\"],"
            "\"2\":[\"x\",\"y\"]},\"nextNum\":3}", "Z:1>0*1*2=1$",
            "compose: \"k,v\" quirk in AttributeMap.toString");
}


static void
test_identity_inverse(void)
{
    ngx_pad_str_t     cs, out, t, k, v;
    ngx_pad_pool_t   *pool;
    ngx_pad_atext_t   at, at2, back;

    ok(ngx_pad_cs_identity(ctx, 6, &out) == NGX_PAD_CS_OK
       && eq(&out, "Z:6>0$"), "identity(6)");
    cs = S("Z:6>0$");
    ok(ngx_pad_cs_is_identity(ctx, &cs) == 1, "isIdentity(Z:6>0$)");
    cs = S("Z:6>0*0=1$");
    ok(ngx_pad_cs_is_identity(ctx, &cs) == 0, "isIdentity(Z:6>0*0=1$)");
    cs = S("Z:6>0-5*0+5$hello");
    ok(ngx_pad_cs_is_identity(ctx, &cs) == 0, "isIdentity(net no-op)");

    t = S("hello\nworld\n");
    ok(ngx_pad_atext_make(ctx, &t, NULL, &at) == NGX_PAD_CS_OK
       && eq(&at.attribs, "|2+c"), "makeAText");
    t = S("a\nb");
    ok(ngx_pad_atext_make(ctx, &t, NULL, &at) == NGX_PAD_CS_OK
       && eq(&at.attribs, "|1+2+1"), "makeAttribution: tail after newline");

    /* inverse restores text and attributes */

    pool = P("{\"numToAttrib\":{\"0\":[\"author\",\"a.x\"],"
             "\"1\":[\"author\",\"a.y\"],\"2\":[\"bold\",\"true\"]},"
             "\"nextNum\":3}");
    at.text = S("hello\nworld\n");
    at.attribs = S("*0+5*1|1+1*1+5|1+1");

    cs = S("Z:c>1*2=3-2*1+3$XYZ");
    ok(ngx_pad_cs_apply_to_atext(ctx, &cs, &at, pool, &at2)
       == NGX_PAD_CS_OK && eq(&at2.text, "helXYZ\nworld\n"),
       "inverse: forward apply");
    ok(ngx_pad_cs_inverse(ctx, &cs, &at, pool, &out) == NGX_PAD_CS_OK
       && eq(&out, "Z:d<1*3=3-3*0+2$lo"), "inverse: bold removed, text back");
    ok(ngx_pad_cs_apply_to_atext(ctx, &out, &at2, pool, &back)
       == NGX_PAD_CS_OK && eq(&back.text, "hello\nworld\n")
       && eq(&back.attribs, "*0+5*1|1+1*1+5|1+1"),
       "inverse: applying it restores the AText");
    ok(ngx_pad_pool_next_num(pool) == 4, "inverse: [bold,\"\"] added");

    cs = S("Z:c<6|1=6|1-6$");
    ok(ngx_pad_cs_inverse(ctx, &cs, &at, pool, &out) == NGX_PAD_CS_OK
       && eq(&out, "Z:6>6|1=6*1+5|1+1$world\n"),
       "inverse: deleted line comes back with its author");

    cs = S("Z:c>0|1=3=2$");
    ok(ngx_pad_cs_inverse(ctx, &cs, &at, pool, &out) == NGX_PAD_CS_ERROR,
       "inverse: keep op with |1 not at a line end is refused");

    ngx_pad_pool_destroy(pool);

    /*
     * 2.x adds the undo pairs to the pool in the op's attribute order
     * (italic first here); 1.8.14 adds them sorted ("Z:3>0*2*3=2$").
     * Result checked with Etherpad 2.5.3's Changeset.ts.
     */

    pool = P("{\"numToAttrib\":{\"0\":[\"bold\",\"true\"],"
             "\"1\":[\"italic\",\"true\"]},\"nextNum\":2}");
    at.text = S("ab\n");
    at.attribs = S("+2|1+1");
    cs = S("Z:3>0*1*0=2$");
    ok(ngx_pad_cs_inverse(ctx, &cs, &at, pool, &out) == NGX_PAD_CS_OK
       && eq(&out, "Z:3>0*3*2=2$") && ngx_pad_pool_get(pool, 2, &k, &v) == 0
       && eq(&k, "italic") && eq(&v, ""),
       "inverse 2.x: new pool entries in the op's attribute order");
    ngx_pad_pool_destroy(pool);
}


static void
test_assembler(void)
{
    assem("-c*3*4+6|3=az*asdf0*1*2*3+1=1-1+1*0+1=1-1+1|c=c-1",
          "-c*3*4+6|3=az*asdf0*1*2*3+1=1-1+1*0+1=1-1+1|c=c-1",
          "smartOpAssembler: round trip");
    assem("-c*3*4+6|1+1=5", "-c*3*4+6|1+1",
          "smartOpAssembler: final pure keep dropped");
    assem("-c*3*4+6*3*4+1*3*4+9=5", "-c*3*4+g",
          "smartOpAssembler: merge + ops");
    assem("-c*3*4+6*3*4|1+1*3*4|9+f*3*4+k=5", "-c*3*4|a+m*3*4+k",
          "smartOpAssembler: merge multiline + ops");
    assem("-c-6-1-9=5", "-s", "smartOpAssembler: merge - ops");
    assem("-c-6|1-1|9-f-k=5", "|a-y-k",
          "smartOpAssembler: merge multiline - ops");
    assem("-c*3*4=6*2*4=1*3*4=f*3*4=2*3*4=a=k=5", "-c*3*4=6*2*4=1*3*4=r",
          "smartOpAssembler: merge = ops");
    assem("-c*3*4=6*2*4|1=1*3*4|9=f*3*4|2=2*3*4=a*3*4=1=k=5",
          "-c*3*4=6*2*4|1=1*3*4|b=h*3*4=b",
          "smartOpAssembler: merge multiline = ops");
    assem("-c*3*4+6*3*4+0*3*4+1+0*3*4+1", "-c*3*4+8",
          "smartOpAssembler: + ops with 0 chars ignored");
    assem("-c-6-0-1-0-1", "-k", "smartOpAssembler: - ops with 0 chars");
    assem("+1-1+1-1", "-2+2", "smartOpAssembler: - before +");
    assem("=1\n+1", "=1+1", "deserializeOps: newline between ops skipped");
}


/* ops with many attributes stay linear (a hash index, not a scan) */

static void
test_many_attributes(void)
{
    char            *c1, *c2, kb[16];
    size_t           i, n, l1, l2;
    clock_t          t0;
    ngx_pad_str_t    k, v, cs1, cs2, out;
    ngx_pad_pool_t  *pool;

    n = 40000;
    pool = ngx_pad_pool_create();
    c1 = malloc(n * 8 + 64);
    c2 = malloc(n * 8 + 64);

    l1 = sprintf(c1, "Z:1>0");
    l2 = sprintf(c2, "Z:1>0");

    for (i = 0; i < n; i++) {
        snprintf(kb, sizeof(kb), "k%lu", (unsigned long) i);
        k = S(kb);

        /* 2i = [k_i, ""] and 2i+1 = [k_i, "v"] */
        v = S("");
        (void) ngx_pad_pool_put_attrib(pool, &k, &v, 0);
        v = S("v");
        (void) ngx_pad_pool_put_attrib(pool, &k, &v, 0);

        c1[l1++] = '*';
        l1 += ngx_pad_num_format(c1 + l1, (intptr_t) (2 * i + 1));
        c2[l2++] = '*';
        l2 += ngx_pad_num_format(c2 + l2, (intptr_t) (2 * i));
    }

    strcpy(c1 + l1, "=1$");
    strcpy(c2 + l2, "=1$");
    cs1 = S(c1);
    cs2 = S(c2);

    t0 = clock();
    ok(ngx_pad_cs_compose(ctx, &cs1, &cs2, pool, &out) == NGX_PAD_CS_OK
       && out.len == strlen(c2), "many attributes: compose sets then "
       "removes 40000 keys");
    ok(ngx_pad_cs_follow(ctx, &cs1, &cs2, 0, pool, &out) == NGX_PAD_CS_OK
       && strcmp(out.data, c2) == 0,
       "many attributes: follow keeps the removals (\"\" wins)");
    ok(ngx_pad_cs_follow(ctx, &cs2, &cs1, 0, pool, &out) == NGX_PAD_CS_OK
       && strcmp(out.data, "Z:1>0$") == 0,
       "many attributes: follow drops the sets");
    ok((double) (clock() - t0) / CLOCKS_PER_SEC < 2.0,
       "many attributes: linear time");

    free(c1);
    free(c2);
    ngx_pad_pool_destroy(pool);
}


/* sums of many huge op lengths: an error, not a signed overflow (UBSan) */

static void
test_overflow(void)
{
    char            *b;
    size_t           i, n;
    ngx_pad_str_t    cs, a, out;
    ngx_pad_pool_t  *pool;

    b = malloc(3000 * 12 + 64);
    n = sprintf(b, "Z:1>0");

    for (i = 0; i < 3000; i++) {
        n += sprintf(b + n, "=1zzzzzzzzzz");
    }

    strcpy(b + n, "$");
    cs = S(b);
    ok(ngx_pad_cs_check_rep(ctx, &cs) == NGX_PAD_CS_ERROR
       && err_is("Invalid changeset: lengths overflow"),
       "overflow: checkRep with 3000 keeps of 2^52");

    n = 0;

    for (i = 0; i < 3000; i++) {
        n += sprintf(b + n, "+1zzzzzzzzzz");
    }

    a.data = b;
    a.len = n;
    cs = S("Z:1>0$");
    pool = ngx_pad_pool_create();
    ok(ngx_pad_cs_apply_to_attribution(ctx, &cs, &a, pool, &out)
       == NGX_PAD_CS_ERROR && err_is("lengths overflow"),
       "overflow: merging 3000 inserts of 2^52");
    ngx_pad_pool_destroy(pool);
    free(b);
}


static void
test_memory(void)
{
    int              i;
    size_t           m1, m2;
    ngx_pad_str_t    cs1, cs2, out;
    ngx_pad_pool_t  *pool;

    pool = ngx_pad_pool_create();
    cs1 = S("Z:4>1=1+1$X");
    cs2 = S("Z:4>1=2+1$Y");

    for (i = 0; i < 10; i++) {
        ngx_pad_ctx_reset(ctx);
        (void) ngx_pad_cs_follow(ctx, &cs1, &cs2, 0, pool, &out);
    }

    m1 = ngx_pad_ctx_memory(ctx);

    for (i = 0; i < 1000; i++) {
        ngx_pad_ctx_reset(ctx);
        (void) ngx_pad_cs_follow(ctx, &cs1, &cs2, 0, pool, &out);
    }

    m2 = ngx_pad_ctx_memory(ctx);

    ok(m1 == m2 && eq(&out, "Z:5>1=3+1$Y"),
       "context: memory is reused across operations");

    /* the arena: consolidation after reset, exact fit (ASan checks) */
    {
        char           *a;
        ngx_pad_ctx_t  *c;

        c = ngx_pad_ctx_create();
        a = ngx_pad_cs_alloc(c, 64 * 1024);
        memset(a, 1, 64 * 1024);
        a = ngx_pad_cs_alloc(c, 100);
        memset(a, 2, 100);
        ngx_pad_ctx_reset(c);
        a = ngx_pad_cs_alloc(c, 64 * 1024 + 128 * 1024);
        ok(a != NULL && c->arena.chunks->next == NULL,
           "context: chunks consolidated after reset");
        memset(a, 3, 64 * 1024 + 128 * 1024);
        ngx_pad_ctx_reset(c);
        a = ngx_pad_cs_alloc(c, 9 * 1024 * 1024);
        memset(a, 4, 9 * 1024 * 1024);
        ngx_pad_ctx_reset(c);
        ok(ngx_pad_ctx_memory(c) < 1024 * 1024,
           "context: a huge operation's memory is given back on reset");
        ngx_pad_ctx_destroy(c);
    }

    ngx_pad_pool_destroy(pool);
}


/* ngx_pad_cs_merge_history(): a diverged history B merged into A */

static intptr_t
merge(ngx_pad_atext_t *a, ngx_pad_pool_t *pool, ngx_pad_str_t *revs,
    size_t nb, ngx_pad_pool_t *b_pool, ngx_pad_str_t *out,
    ngx_pad_atext_t *res)
{
    intptr_t  rc;

    rc = ngx_pad_cs_merge_history(ctx, a, pool, revs, nb, b_pool, out, res);

    if (rc != NGX_PAD_CS_OK) {
        diag("  merge error: %s", ngx_pad_ctx_error(ctx));
    }

    return rc;
}


/* revs[n] = makeSplice(text, start, ndel, ins, attribs) */

static int
merge_splice(ngx_pad_str_t *revs, size_t n, const char *text,
    intptr_t start, intptr_t ndel, const char *ins, const char *attribs)
{
    ngx_pad_str_t  t = S(text), i = S(ins), a;

    a = attribs ? S(attribs) : S("");

    return ngx_pad_cs_make_splice(ctx, &t, start, ndel, &i,
                                  attribs ? &a : NULL, &revs[n])
           == NGX_PAD_CS_OK;
}


/* merge_history() refusing what is not a valid history */

static void
test_merge_errors(ngx_pad_atext_t *a, ngx_pad_pool_t *pool,
    ngx_pad_pool_t *b_pool, ngx_pad_str_t *revs)
{
    intptr_t          rc;
    ngx_pad_str_t     out;
    ngx_pad_atext_t   res;

    /* errors */

    revs[1] = S("Z:5>1+1$x");
    rc = merge(a, pool, revs, 2, b_pool, &out, &res);
    ok(rc == NGX_PAD_CS_ERROR && ngx_pad_ctx_error(ctx)[0] != '\0'
       && strstr(ngx_pad_ctx_error(ctx), "b_revs[1]") != NULL,
       "merge: a revision with the wrong old length is an error");

    revs[0] = S("Z:2>1+1$x");
    rc = merge(a, pool, revs, 1, b_pool, &out, &res);
    ok(rc == NGX_PAD_CS_ERROR && ngx_pad_ctx_error(ctx)[0] != '\0',
       "merge: revision 0 not applying to \"\\n\" is an error");

    revs[0] = S("Z:1>8+8$Welcome!");
    revs[1] = S("Z:9>2=4+1$XY");
    rc = merge(a, pool, revs, 2, b_pool, &out, &res);
    ok(rc == NGX_PAD_CS_ERROR && ngx_pad_ctx_error(ctx)[0] != '\0',
       "merge: an invalid revision is an error");

    revs[1] = S("Z:9>1|1=4+1$X");
    rc = merge(a, pool, revs, 2, b_pool, &out, &res);
    ok(rc == NGX_PAD_CS_ERROR && ngx_pad_ctx_error(ctx)[0] != '\0',
       "merge: a revision with wrong newline counts is an error");

    a->attribs = S("+6*0+5");
    revs[1] = S("Z:9>2=4+2$XY");
    rc = merge(a, pool, revs, 2, b_pool, &out, &res);
    ok(rc == NGX_PAD_CS_ERROR && ngx_pad_ctx_error(ctx)[0] != '\0',
       "merge: an invalid atext is an error");

}


/* characters outside the BMP, follow's tie rules, B's final newline */

static void
test_merge_edges(void)
{
    int               good;
    ngx_pad_str_t     revs[4], out;
    ngx_pad_pool_t   *pool, *b_pool;
    ngx_pad_atext_t   a, res;

    /* characters outside the BMP in both histories */

    pool = P("{\"numToAttrib\":{\"0\":[\"bold\",\"true\"]},\"nextNum\":1}");
    b_pool = P("{\"numToAttrib\":{\"0\":[\"author\",\"a.e\"]},"
               "\"nextNum\":1}");
    a.text = S("a\xf0\x9f\x98\x80" "b\n");
    a.attribs = S("+1*0+2+1|1+1");
    good = merge_splice(revs, 0, "\n", 0, 0, "Hi \xf0\x9f\x98\x80!", NULL)
           && merge_splice(revs, 1, "Hi \xf0\x9f\x98\x80!\n", 3, 2,
                           "\xf0\x9f\x8e\x89", "*0")
           && merge_splice(revs, 2, "Hi \xf0\x9f\x8e\x89!\n", 6, 0,
                           "x\xf0\x9f\x99\x82", NULL);
    ok(good && merge(&a, pool, revs, 3, b_pool, &out, &res) == NGX_PAD_CS_OK
       && eq(&out, "Z:5>5=4*1+2+3$\xf0\x9f\x8e\x89x\xf0\x9f\x99\x82")
       && eq(&res.text, "a\xf0\x9f\x98\x80" "b\xf0\x9f\x8e\x89x"
             "\xf0\x9f\x99\x82\n")
       && eq(&res.attribs, "+1*0+2+1*1+2|1+4"),
       "merge: emoji in both histories (UTF-16 lengths)");
    ngx_pad_pool_destroy(b_pool);
    ngx_pad_pool_destroy(pool);

    /*
     * B's insertion at the start of its welcome text, and A's text
     * starting with a newline: follow()'s tie rules would put B's text
     * first; the merge puts it after A's text all the same.  Also an
     * attribute B put on its final newline reaches A's.
     */

    pool = P(NULL);
    b_pool = P("{\"numToAttrib\":{\"0\":[\"author\",\"a.t\"],"
               "\"1\":[\"insertorder\",\"first\"]},\"nextNum\":2}");
    a.text = S("\nfoo\n");
    a.attribs = S("|2+5");
    good = merge_splice(revs, 0, "\n", 0, 0, "Hi", NULL)
           && merge_splice(revs, 1, "Hi\n", 0, 0, "bar", "*1");
    revs[2] = S("Z:6>0=5*0|1=1$");
    ok(good && merge(&a, pool, revs, 3, b_pool, &out, &res) == NGX_PAD_CS_OK
       && eq(&res.text, "\nfoobar\n")
       && eq(&res.attribs, "|1+1+3*0+3*1|1+1"),
       "merge: B after A even where follow's tie rules would not");
    ngx_pad_pool_destroy(b_pool);
    ngx_pad_pool_destroy(pool);

    /* B's text inserted after its final newline (makeSplice past the end) */

    pool = P("{\"numToAttrib\":{\"0\":[\"bold\",\"true\"]},\"nextNum\":1}");
    b_pool = P(NULL);
    a.text = S("ab\n");
    a.attribs = S("|1+3");
    good = merge_splice(revs, 0, "\n", 0, 0, "W", NULL)
           && merge_splice(revs, 1, "W\n", 9, 0, "c\n", NULL);
    ok(good && eq(&revs[1], "Z:2>2|1=2|1+2$c\n")
       && merge(&a, pool, revs, 2, b_pool, &out, &res) == NGX_PAD_CS_OK
       && eq(&res.text, "ab\nc\n") && eq(&res.attribs, "|2+5"),
       "merge: text B put after its final newline goes after A's");

    /* B replaced its final newline: so does out (A's newline goes) */
    a.attribs = S("*0|1+3");
    good = merge_splice(revs, 1, "W\n", 1, 1, "q\n", NULL);
    ok(good && eq(&revs[1], "Z:2>1=1|1-1|1+2$q\n")
       && merge(&a, pool, revs, 2, b_pool, &out, &res) == NGX_PAD_CS_OK
       && eq(&out, "Z:3>1=2|1-1|1+2$q\n")
       && eq(&res.text, "abq\n") && eq(&res.attribs, "*0+2|1+2"),
       "merge: B's replaced final newline replaces A's");
    ngx_pad_pool_destroy(b_pool);
    ngx_pad_pool_destroy(pool);
}


static void
test_merge_history(void)
{
    int               good;
    size_t            i;
    ngx_pad_str_t     revs[4], out, k, v;
    ngx_pad_pool_t   *pool, *b_pool;
    ngx_pad_atext_t   a, res, res2;

    pool = P("{\"numToAttrib\":{\"0\":[\"bold\",\"true\"]},\"nextNum\":1}");
    b_pool = P("{\"numToAttrib\":{\"0\":[\"italic\",\"true\"],"
               "\"1\":[\"bold\",\"true\"],\"2\":[\"author\",\"a.b\"]},"
               "\"nextNum\":3}");

    /* A: "hello world\n", "world" bold */
    a.text = S("hello world\n");
    a.attribs = S("+6*0+5|1+1");

    /* B: welcome, "XY" inside it, then "ome" replaced by "Z" by a.b */
    good = merge_splice(revs, 0, "\n", 0, 0, "Welcome!", NULL)
           && merge_splice(revs, 1, "Welcome!\n", 4, 0, "XY", NULL)
           && merge_splice(revs, 2, "WelcXYome!\n", 6, 3, "Z", "*2");
    ok(good && eq(&revs[0], "Z:1>8+8$Welcome!")
       && eq(&revs[1], "Z:9>2=4+2$XY") && eq(&revs[2], "Z:b<2=6-3*2+1$Z"),
       "merge: B's history");

    ok(merge(&a, pool, revs, 3, b_pool, &out, &res) == NGX_PAD_CS_OK
       && eq(&out, "Z:c>3=b+2*1+1$XYZ")
       && eq(&res.text, "hello worldXYZ\n")
       && eq(&res.attribs, "+6*0+5+2*1+1|1+1"),
       "merge: B's insertions after A's text, A's bold kept");
    good = 1;

    for (i = 0; i < res.text.len; i++) {
        if (res.text.data[i] == '!' || res.text.data[i] == 'W'
            || (i + 3 <= res.text.len
                && memcmp(res.text.data + i, "ome", 3) == 0))
        {
            good = 0;
        }
    }

    ok(good, "merge: B's welcome text does not come back");
    k = S("author");
    v = S("a.b");
    ok(ngx_pad_pool_put_attrib(pool, &k, &v, 1) == 1
       && ngx_pad_pool_next_num(pool) == 2,
       "merge: B's author added to A's pool (and nothing else)");
    ok(ngx_pad_atext_check(ctx, &res) == NGX_PAD_CS_OK
       && ngx_pad_cs_apply_to_atext(ctx, &out, &a, pool, &res2)
          == NGX_PAD_CS_OK
       && eq(&res2.text, "hello worldXYZ\n")
       && eq(&res2.attribs, "+6*0+5+2*1+1|1+1"),
       "merge: out applies to A's atext and gives out_atext");

    /* no edits after revision 0 */

    ok(merge(&a, pool, revs, 1, b_pool, &out, &res) == NGX_PAD_CS_OK
       && eq(&out, "Z:c>0$") && eq(&res.text, "hello world\n")
       && eq(&res.attribs, "+6*0+5|1+1"), "merge: nb = 1 is the identity");
    ok(merge(&a, pool, NULL, 0, b_pool, &out, &res) == NGX_PAD_CS_OK
       && eq(&out, "Z:c>0$") && eq(&res.text, "hello world\n")
       && eq(&res.attribs, "+6*0+5|1+1"), "merge: nb = 0 is the identity");

    /* B only deleted welcome text (and an identity revision) */
    good = merge_splice(revs, 1, "Welcome!\n", 0, 3, "", NULL)
           && merge_splice(revs, 2, "come!\n", 2, 0, "", NULL);
    ok(good && merge(&a, pool, revs, 3, b_pool, &out, &res) == NGX_PAD_CS_OK
       && eq(&out, "Z:c>0$") && eq(&res.text, "hello world\n"),
       "merge: B deleting only welcome text changes nothing");

    /* B inserted and deleted the same text: Bc has no net insert */
    good = merge_splice(revs, 1, "Welcome!\n", 2, 0, "QQ", NULL)
           && merge_splice(revs, 2, "WeQQlcome!\n", 1, 4, "", NULL);
    ok(good && merge(&a, pool, revs, 3, b_pool, &out, &res) == NGX_PAD_CS_OK
       && eq(&out, "Z:c>0$") && eq(&res.text, "hello world\n"),
       "merge: text B inserted then deleted is not inserted");

    test_merge_errors(&a, pool, b_pool, revs);

    ngx_pad_pool_destroy(b_pool);
    ngx_pad_pool_destroy(pool);

    test_merge_edges();
}


/*
 * Property test: random A atexts and random B histories (splices with
 * random attributes); the generator tracks which of B's head characters
 * B inserted after revision 0, and with which attribute.
 */

#define MG_MAX  512

typedef struct {
    char           s[5];
    int            u16;
    int            ins;      /* inserted after B's revision 0 */
    int            attr;     /* a b_pool number, -1: none */
} mg_unit_t;


static uint64_t  mg_state;


static uint32_t
mg_rand(uint32_t n)
{
    mg_state ^= mg_state << 13;
    mg_state ^= mg_state >> 7;
    mg_state ^= mg_state << 17;

    return (uint32_t) ((mg_state >> 11) % n);
}


static void
mg_char(mg_unit_t *u)
{
    static const char  *alpha[] = {
        "a", "b", "c", "d", " ", "\n", "\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80", "\xf0\x9f\x8e\x89"
    };
    const char  *c;

    c = alpha[mg_rand(sizeof(alpha) / sizeof(alpha[0]))];
    strcpy(u->s, c);
    u->u16 = strlen(c) == 4 ? 2 : 1;
}


static size_t
mg_text(mg_unit_t *u, size_t n, char *buf)
{
    size_t  i, len;

    len = 0;

    for (i = 0; i < n; i++) {
        memcpy(buf + len, u[i].s, strlen(u[i].s));
        len += strlen(u[i].s);
    }

    buf[len] = '\0';

    return len;
}


static intptr_t
mg_off16(mg_unit_t *u, size_t i)
{
    size_t    j;
    intptr_t  off;

    off = 0;

    for (j = 0; j < i; j++) {
        off += u[j].u16;
    }

    return off;
}


/*
 * A random splice of u[0..*n-1] (never touching the final newline) as
 * revs[r]; ins marks the inserted units, attr_max bounds the attribute.
 */

static int
mg_splice(mg_unit_t *u, size_t *n, ngx_pad_str_t *revs, size_t r, int ins,
    size_t kmax, int attr_max)
{
    int            attr;
    char           text[MG_MAX * 4 + 1], insb[64], ab[16];
    size_t         s, ndel, k, i;
    mg_unit_t      new[16];
    ngx_pad_str_t  t, is, as;

    s = mg_rand(*n);
    ndel = ins ? mg_rand(*n - s) : 0;
    k = mg_rand(kmax + 1);
    attr = (int) mg_rand(attr_max + 2) - 1;

    if (*n - ndel + k > MG_MAX) {
        k = 0;
    }

    for (i = 0; i < k; i++) {
        mg_char(&new[i]);
        new[i].ins = ins;
        new[i].attr = attr;
    }

    t.data = text;
    t.len = mg_text(u, *n, text);
    is.data = insb;
    is.len = mg_text(new, k, insb);
    as.data = ab;
    as.len = attr >= 0 ? (size_t) sprintf(ab, "*%d", attr) : 0;

    if (ngx_pad_cs_make_splice(ctx, &t, mg_off16(u, s),
                               mg_off16(u, s + ndel) - mg_off16(u, s), &is,
                               attr >= 0 ? &as : NULL, &revs[r])
        != NGX_PAD_CS_OK)
    {
        diag("  makeSplice: %s", ngx_pad_ctx_error(ctx));
        return 0;
    }

    memmove(&u[s + k], &u[s + ndel], (*n - s - ndel) * sizeof(mg_unit_t));
    memcpy(&u[s], new, k * sizeof(mg_unit_t));
    *n = *n - ndel + k;

    return 1;
}


/* an attribution as one attribute string per UTF-16 unit */

static intptr_t
mg_expand(const ngx_pad_str_t *attribs, ngx_pad_str_t *per, intptr_t max)
{
    intptr_t           n, i;
    ngx_pad_op_t       op;
    ngx_pad_op_iter_t  it;

    n = 0;
    ngx_pad_op_iter_init(&it, attribs);

    while (ngx_pad_op_next(ctx, &it, &op) == 1) {
        if (op.opcode != '+' || n + op.chars > max) {
            return -1;
        }

        for (i = 0; i < op.chars; i++) {
            per[n++] = op.attribs;
        }
    }

    return n;
}


/* is the code point sequence of sub (units) a subsequence of text? */

static int
mg_subseq(mg_unit_t *sub, size_t n, int only_ins, const ngx_pad_str_t *text)
{
    size_t       i, l;
    const char  *p, *end;

    p = text->data;
    end = p + text->len;

    for (i = 0; i < n; i++) {
        if (only_ins && !sub[i].ins) {
            continue;
        }

        l = strlen(sub[i].s);

        for ( ;; ) {
            if (p >= end) {
                return 0;
            }

            /* step over whole code points only */
            if ((size_t) (end - p) >= l && memcmp(p, sub[i].s, l) == 0) {
                p += l;
                break;
            }

            p++;

            while (p < end && (*p & 0xc0) == 0x80) {
                p++;
            }
        }
    }

    return 1;
}


/* what the merge property found wrong, over all seeds */

typedef struct {
    int               apply;
    int               a;
    int               b;
    int               exact;
    int               attr;
    int               changed;
} mg_bad_t;


/* the attribute of each of B's inserted units, mapped into pool */

static int
mg_b_attribs_ok(int seed, ngx_pad_str_t *po, intptr_t pos, mg_unit_t *bu,
    size_t nbu, ngx_pad_pool_t *pool, ngx_pad_pool_t *b_pool)
{
    char            ab[8];
    size_t          i;
    intptr_t        j, num;
    ngx_pad_str_t   k, v, k2, v2;

    for (i = 0; i < nbu; i++) {
        if (!bu[i].ins) {
            continue;
        }

        for (j = 0; j < bu[i].u16; j++, pos++) {

            if (bu[i].attr < 0) {
                if (po[pos].len != 0) {
                    return 0;
                }

                continue;
            }

            if (po[pos].len < 2 || po[pos].len > 6
                || po[pos].data[0] != '*')
            {
                return 0;
            }

            memcpy(ab, po[pos].data + 1, po[pos].len - 1);
            ab[po[pos].len - 1] = '\0';
            num = strtol(ab, NULL, 36);

            if (ngx_pad_pool_get(pool, num, &k, &v) != 0
                || ngx_pad_pool_get(b_pool, bu[i].attr, &k2, &v2) != 0
                || !ngx_pad_str_eq(&k, &k2) || !ngx_pad_str_eq(&v, &v2))
            {
                diag("  seed %d: attribute of B's unit %d", seed,
                     (int) pos);
                return 0;
            }
        }
    }

    return 1;
}


/* attributes: A's unchanged, B's mapped into pool */

static int
mg_attribs_ok(int seed, ngx_pad_atext_t *a, ngx_pad_atext_t *res,
    mg_unit_t *bu, size_t nbu, ngx_pad_pool_t *pool, ngx_pad_pool_t *b_pool)
{
    intptr_t               a16, o16, j;
    static ngx_pad_str_t   pa[MG_MAX * 2], po[MG_MAX * 4];

    a16 = mg_expand(&a->attribs, pa, MG_MAX * 2);
    o16 = mg_expand(&res->attribs, po, MG_MAX * 4);

    if (a16 < 1 || o16 < a16) {
        return 0;
    }

    for (j = 0; j < a16 - 1; j++) {
        if (!ngx_pad_str_eq(&pa[j], &po[j])) {
            return 0;
        }
    }

    if (!ngx_pad_str_eq(&pa[a16 - 1], &po[o16 - 1])) {
        return 0;
    }

    return mg_b_attribs_ok(seed, po, a16 - 1, bu, nbu, pool, b_pool);
}


/* exactly: A's text but "\n", B's insertions, "\n" */

static int
mg_exact_ok(int seed, mg_unit_t *au, size_t na, mg_unit_t *bu, size_t nbu,
    ngx_pad_atext_t *res)
{
    size_t          i, len;
    ngx_pad_str_t   t;
    static char     buf[MG_MAX * 8 + 1];

    len = mg_text(au, na - 1, buf);

    for (i = 0; i < nbu; i++) {
        if (bu[i].ins) {
            strcpy(buf + len, bu[i].s);
            len += strlen(bu[i].s);
        }
    }

    buf[len++] = '\n';
    t.data = buf;
    t.len = len;

    if (!ngx_pad_str_eq(&res->text, &t)) {
        diag("  seed %d: got '%.*s'", seed, (int) res->text.len,
             res->text.data);
        diag("  want '%.*s'", (int) t.len, t.data);
        return 0;
    }

    return 1;
}


/* one seed: random histories A and B, merged, checked */

static void
mg_property_seed(int seed, mg_bad_t *bad)
{
    size_t            na, nbu, nb, r;
    ngx_pad_str_t     revs[12], out;
    ngx_pad_pool_t   *pool, *b_pool;
    ngx_pad_atext_t   a, res, res2;
    static mg_unit_t  au[MG_MAX], bu[MG_MAX];

    ngx_pad_ctx_reset(ctx);
    mg_state = 0x9e3779b97f4a7c15ULL * (uint64_t) seed;

    pool = P("{\"numToAttrib\":{\"0\":[\"bold\",\"true\"],"
             "\"1\":[\"author\",\"a.A\"],\"2\":[\"author\",\"a.2\"]},"
             "\"nextNum\":3}");
    b_pool = P("{\"numToAttrib\":{\"0\":[\"author\",\"a.1\"],"
               "\"1\":[\"author\",\"a.2\"],\"2\":[\"bold\",\"true\"],"
               "\"3\":[\"italic\",\"true\"]},\"nextNum\":4}");

    /* A: a few random inserts into "\n" with attributes */

    strcpy(au[0].s, "\n");
    au[0].u16 = 1;
    na = 1;
    a.text = S("\n");
    a.attribs = S("|1+1");

    for (r = mg_rand(5); r > 0; r--) {
        if (!mg_splice(au, &na, revs, 0, 0, 8, 2)
            || ngx_pad_cs_apply_to_atext(ctx, &revs[0], &a, pool, &a)
               != NGX_PAD_CS_OK)
        {
            diag("  seed %d: building A: %s", seed,
                 ngx_pad_ctx_error(ctx));
            bad->apply++;
            goto done;
        }
    }

    /* B: welcome text, then random splices */

    strcpy(bu[0].s, "\n");
    bu[0].u16 = 1;
    bu[0].ins = 0;
    bu[0].attr = -1;
    nbu = 1;
    nb = mg_rand(10) == 0 ? 0 : 1 + mg_rand(10);

    for (r = 0; r < nb; r++) {
        if (!mg_splice(bu, &nbu, revs, r, r > 0, r ? 5 : 14, 3)) {
            bad->apply++;
            goto done;
        }
    }

    if (merge(&a, pool, revs, nb, b_pool, &out, &res) != NGX_PAD_CS_OK
        || ngx_pad_atext_check(ctx, &res) != NGX_PAD_CS_OK
        || ngx_pad_cs_apply_to_atext(ctx, &out, &a, pool, &res2)
           != NGX_PAD_CS_OK
        || !ngx_pad_str_eq(&res.text, &res2.text)
        || !ngx_pad_str_eq(&res.attribs, &res2.attribs))
    {
        diag("  seed %d: out does not apply", seed);
        bad->apply++;
        goto done;
    }

    if (ngx_pad_cs_is_identity(ctx, &out) == 0) {
        bad->changed++;
    }

    if (!mg_subseq(au, na, 0, &res.text)) {
        diag("  seed %d: A's text is not a subsequence", seed);
        bad->a++;
    }

    if (!mg_subseq(bu, nbu, 1, &res.text)) {
        diag("  seed %d: B's insertions are not a subsequence", seed);
        bad->b++;
    }

    if (!mg_exact_ok(seed, au, na, bu, nbu, &res)) {
        bad->exact++;
        goto done;
    }

    if (!mg_attribs_ok(seed, &a, &res, bu, nbu, pool, b_pool)) {
        bad->attr++;
    }

done:

    ngx_pad_pool_destroy(b_pool);
    ngx_pad_pool_destroy(pool);
}


static void
test_merge_property(void)
{
    int       seed;
    mg_bad_t  bad;

    memset(&bad, 0, sizeof(mg_bad_t));

    for (seed = 1; seed <= 200; seed++) {
        mg_property_seed(seed, &bad);
    }

    diag("merge property: %d of 200 merges changed A", bad.changed);
    ok(bad.apply == 0 && bad.changed >= 100, "merge property (200 seeds): "
       "out applies to A, out_atext passes atext_check");
    ok(bad.a == 0, "merge property: A's text is a subsequence, in order");
    ok(bad.b == 0, "merge property: B's head insertions are a subsequence, "
       "in B's order");
    ok(bad.exact == 0, "merge property: A's text, then B's insertions, "
       "then the final newline");
    ok(bad.attr == 0, "merge property: A's attributes kept, B's mapped to "
       "A's pool");
}


int
main(void)
{
    ctx = ngx_pad_ctx_create();

    if (ctx == NULL) {
        printf("Bail out! no memory\n");
        return 1;
    }

    test_check_rep();
    test_apply();
    test_welcome();
    test_compose_follow();
    test_splice();
    test_pool_and_wire();
    test_identity_inverse();
    test_assembler();
    test_many_attributes();
    test_overflow();
    test_memory();
    test_merge_history();
    test_merge_property();

    ngx_pad_ctx_destroy(ctx);

    return done_testing();
}
