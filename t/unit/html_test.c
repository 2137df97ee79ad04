/*
 * Unit tests of src/html/ (TAP): a pad's HTML and text as Etherpad 2.x
 * writes them (ExportHtml.ts getHTMLFromAtext, ExportTxt.ts
 * getTXTFromAtext, getPadHTMLDocument) and setHTML's import.
 *
 * The golden vectors come from Etherpad's own tests (each case names its
 * source):
 *   [cc]  src/tests/backend/specs/contentcollector.ts: HTML -> lines and
 *         alines, pool seeded with knownAttribs (the collector alone);
 *   [ie]  src/tests/backend/specs/api/importexport.ts: setHTML(input),
 *         then getHTML (wantHTML) and getText (wantText, which is
 *         getTXTFromAtext for the head revision);
 *   [pad] src/tests/backend/specs/api/pad.ts: ulHtml -> expectedHtml;
 *   [h2]  ep_headings2 static/tests/backend/specs/exportHTML.ts.
 * The export cases rebuild the AText that setHTML gives from the [cc]
 * lines (plus the empty line of the <p> setPadHTML appends).  Cases
 * marked [code] follow ExportHtml.ts / the plugins' hooks where Etherpad
 * has no test (links, tag nesting, escaping, the plugins' attributes).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_pool_json.h"
#include "html/ngx_pad_html.h"

#include "tap.h"


/* contentcollector.ts's knownAttribs */
#define KNOWN_POOL                                                        \
    "{\"numToAttrib\":{\"0\":[\"insertorder\",\"first\"],"                \
    "\"1\":[\"italic\",\"true\"],\"2\":[\"list\",\"bullet1\"],"           \
    "\"3\":[\"list\",\"bullet2\"],\"4\":[\"list\",\"number1\"],"          \
    "\"5\":[\"list\",\"number2\"],\"6\":[\"lmkr\",\"1\"],"                \
    "\"7\":[\"start\",\"1\"],\"8\":[\"start\",\"2\"],"                    \
    "\"9\":[\"bold\",\"true\"],\"10\":[\"list\",\"indent1\"],"             \
    "\"11\":[\"heading\",\"h1\"],\"12\":[\"heading\",\"h2\"],"              \
    "\"13\":[\"align\",\"left\"],\"14\":[\"align\",\"center\"],"            \
    "\"15\":[\"list\",\"bullet1001\"],\"16\":[\"heading\",\"script\"],"     \
    "\"17\":[\"underline\",\"true\"]},\"nextNum\":18}"


/* (pool numbers in the alines are base 36: "a" is 10 ... "h" is 17) */

#define MAXL  16


typedef struct {
    const char   *name;
    const char   *lines[MAXL];      /* NULL ends */
    const char   *alines[MAXL];
    const char   *html;             /* getHTMLFromAtext */
    const char   *txt;              /* getTXTFromAtext, or NULL */
} export_case_t;


static ngx_pad_ctx_t        *ctx;
static ngx_pad_html_opts_t   opts;


static ngx_pad_pool_t *
pool_from(const char *js)
{
    char             err[256];
    json_t          *j;
    json_error_t     jerr;
    ngx_pad_pool_t  *pool;

    j = json_loads(js, 0, &jerr);
    pool = ngx_pad_pool_create();

    if (j == NULL || pool == NULL
        || ngx_pad_pool_from_json(pool, j, err, sizeof(err)) != 0)
    {
        fprintf(stderr, "bad pool %s\n", js);
        exit(2);
    }

    json_decref(j);

    return pool;
}


/* lines joined by "\n" and a final "\n"; each aline then "|1+1" */

static ngx_pad_atext_t
atext_of(const char *const *lines, const char *const *alines)
{
    static char       text[8192], attribs[8192];
    size_t            i, t, a;
    ngx_pad_atext_t   at;

    t = 0;
    a = 0;

    for (i = 0; lines[i]; i++) {
        t += snprintf(text + t, sizeof(text) - t, "%s\n", lines[i]);
        a += snprintf(attribs + a, sizeof(attribs) - a, "%s|1+1", alines[i]);
    }

    at.text.data = text;
    at.text.len = t;
    at.attribs.data = attribs;
    at.attribs.len = a;

    return at;
}


static int
is_pstr(const ngx_pad_str_t *got, const char *want, const char *name)
{
    int  ok;

    ok = got->len == strlen(want) && memcmp(got->data, want, got->len) == 0;

    if (!tap_ok(ok, name)) {
        diag("got:  %.*s", (int) got->len, got->data);
        diag("want: %s", want);
    }

    return ok;
}


static const export_case_t  export_cases[] = {

    { "[pad] ulHtml: nested lists of different types",
      { "*one", "*two", "*0", "*1", "*2", "*3", "*4", "*item", "*item1",
        "*item2", "", NULL },
      { "*0*2*6+1+3", "*0*2*6+1+3", "*0*2*6+1+1", "*0*2*6+1+1",
        "*0*2*6+1+1", "*0*3*6+1+1", "*0*3*6+1+1", "*0*4*6*7+1+4",
        "*0*5*6*8+1+5", "*0*5*6*8+1+5", "" },
      "<ul class=\"bullet\"><li>one</li><li>two</li><li>0</li><li>1</li>"
      "<li>2<ul class=\"bullet\"><li>3</li><li>4</ul></li></ul>"
      "<ol start=\"1\" class=\"number\"><li>item<ol start=\"2\" "
      "class=\"number\"><li>item1</li><li>item2</ol></li></ol><br>",
      "\t* one\n\t* two\n\t* 0\n\t* 1\n\t* 2\n\t\t* 3\n\t\t* 4\n"
      "\t1. item\n\t\t1.1. item1\n\t\t1.2. item2\n\n" },

    { "[ie] prefixcorrectlinenumber",
      { "*should be 1", "*should be 2", "", NULL },
      { "*0*4*6*7+1+b", "*0*4*6*7+1+b", "" },
      "<ol start=\"1\" class=\"number\"><li>should be 1</li>"
      "<li>should be 2</ol><br>",
      "\t1. should be 1\n\t2. should be 2\n\n" },

    { "[ie] prefixcorrectlinenumbernested",
      { "*should be 1", "*foo", "*should be 2", "", NULL },
      { "*0*4*6*7+1+b", "*0*5*6*8+1+3", "*0*4*6*8+1+b", "" },
      "<ol start=\"1\" class=\"number\"><li>should be 1<ol start=\"2\" "
      "class=\"number\"><li>foo</ol><li>should be 2</ol><br>",
      "\t1. should be 1\n\t\t1.1. foo\n\t2. should be 2\n\n" },

    { "[ie] indentedListsAreNotBullets",
      { "*indent", "*indent", "", NULL },
      { "*0*6*a+1+6", "*0*6*7*a+1+6", "" },
      "<ul class=\"indent\"><li>indent</li><li>indent</ul><br>",
      "\tindent\n\tindent\n\n" },

    { "[ie] whitespaceinlist #3620 ([pad] ulSpaceHtml)",
      { "*FOO", "", NULL },
      { "*0*2*6+1+3", "" },
      "<ul class=\"bullet\"><li>FOO</ul><br>",
      "\t* FOO\n\n" },

    { "[ie] ignoreAnyTagsOutsideBody",
      { "empty", "", NULL }, { "+5", "" },
      "empty<br><br>", "empty\n\n" },

    { "[ie] lineWithMultipleSpaces",
      { "Text with more than one space.", "", NULL }, { "+u", "" },
      "Text with more than one space.<br><br>",
      "Text with more than one space.\n\n" },

    { "[ie] lineWithMultipleNonBreakingAndNormalSpaces",
      { "Text with  more   than  one space.", "", NULL }, { "+y", "" },
      "Text with&nbsp; more&nbsp;&nbsp; than&nbsp; one space.<br><br>",
      "Text with  more   than  one space.\n\n" },

    { "[ie] multiplenbsp",
      { "  ", "", NULL }, { "+2", "" },
      "&nbsp;&nbsp;<br><br>", "  \n\n" },

    { "[ie] multipleNonBreakingSpaceBetweenWords",
      { "  word1  word2   word3", "", NULL }, { "+m", "" },
      "&nbsp; word1&nbsp; word2&nbsp;&nbsp; word3<br><br>",
      "  word1  word2   word3\n\n" },

    { "[ie] nonBreakingSpacePreceededBySpaceBetweenWords",
      { " word1  word2  word3", "", NULL }, { "+k", "" },
      "&nbsp;word1&nbsp; word2&nbsp; word3<br><br>",
      " word1  word2  word3\n\n" },

    { "[ie] nonBreakingSpacesAfterNewlinesP",
      { "something", "", "   something", "", NULL },
      { "+9", "", "+c", "" },
      "something<br><br>&nbsp;&nbsp; something<br><br>",
      "something\n\n   something\n\n" },

    { "[ie] collapseSpacesInsideElements",
      { "Need more space s !", "", NULL }, { "+f*1+3+1", "" },
      "Need more space<em> s </em>!<br><br>",
      "Need more space s !\n\n" },

    { "[ie] dontDeleteSpaceOutsideElements",
      { "Need more space s !", "", NULL }, { "+g*1+1+2", "" },
      "Need more space <em>s</em> !<br><br>",
      "Need more space s !\n\n" },

    { "[ie] multiLineParagraph",
      { "\xd0\xb0 \xd0\xb1 \xd0\xb2 \xd2\x91 \xd1\x8c", "", NULL },
      { "+9", "" },
      "&#1072; &#1073; &#1074; &#1169; &#1100;<br><br>",
      "\xd0\xb0 \xd0\xb1 \xd0\xb2 \xd2\x91 \xd1\x8c\n\n" },

    { "[ie] multiLineParagraphWithPre",
      { "multiple", "   lines", " in", "      pre", "", NULL },
      { "+8", "+8", "+3", "+9", "" },
      "multiple<br>&nbsp;&nbsp; lines<br>&nbsp;in<br>"
      "&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; pre<br><br>",
      "multiple\n   lines\n in\n      pre\n\n" },

    { "[code] tags nest in the order of the op's attributes",
      { "abcdef", NULL }, { "*9+2*9*1+2*1+2" },
      "<strong>ab<em>cd</em></strong><em>ef</em><br>", "abcdef\n" },

    { "[code] a tag closed and opened again around a link",
      { "see http://example.com/a. x", NULL }, { "*9+4*9*h+4+j" },
      "<strong>see </strong><a href=\"http&#x3a;&#x2F;&#x2F;example&#x2e;"
      "com&#x2F;a\" rel=\"noreferrer noopener\"><strong><u>http</u>"
      "</strong>:&#x2F;&#x2F;example.com&#x2F;a</a>. x<br>", NULL },

    { "[code] schemes without //, www., a link ending in punctuation",
      { "mailto:a@b.c, www.x.org) tel:' Xhttp://y", NULL }, { "+14" },
      "<a href=\"mailto&#x3a;a&#x40;b&#x2e;c\" rel=\"noreferrer noopener\">"
      "mailto:a@b.c</a>, <a href=\"www&#x2e;x&#x2e;org\" "
      "rel=\"noreferrer noopener\">www.x.org</a>) tel:&#x27; X"
      "<a href=\"http&#x3a;&#x2F;&#x2F;y\" rel=\"noreferrer noopener\">"
      "http:&#x2F;&#x2F;y</a><br>", NULL },

    { "[code] escapeHTML, _encodeWhitespace, the first form feed dropped",
      { "a<b>&\"'/\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\f\f\xc2\xa0",
        NULL },
      { "+h" },
      "a&lt;b&gt;&amp;&quot;&#x27;&#x2F;&#1;&#127;&#233;&#8364;&#128512;"
      "\f\xc2\xa0<br>", NULL },

    { "[h2] a heading",
      { "*Hello world", NULL }, { "*0*6*b+1+b" },
      "<h1>Hello world</h1><br>", "*Hello world\n" },

    { "[h2] headings and align",
      { "*Hello world", "", "*Foo", NULL },
      { "*0*6*b*d+1+b", "", "*0*6*c*e+1+3" },
      "<h1 style='text-align:left'>Hello world</h1><br><br>"
      "<h2 style='text-align:center'>Foo</h2><br>", NULL },

    { "[code] ep_align on a plain line, and in a list",
      { "*a*b", "*x", NULL }, { "*0*6*e+1+3", "*0*2*6*d+1+1" },
      "<p style='text-align:center'>a*b</p><br>"
      "<ul class=\"bullet\"><li><p style='text-align:left'>x</p></ul>",
      "*a*b\n\t* x\n" },

    { "[code] a heading that is no tag of ep_headings2 is not written",
      { "*x", NULL }, { "*0*6*g+1+1" },
      "*x<br>", NULL },

    { NULL, { NULL }, { NULL }, NULL, NULL }
};


static void
test_export(void)
{
    char                    name[256];
    const export_case_t    *c;
    ngx_pad_str_t           out;
    ngx_pad_pool_t         *pool;
    ngx_pad_atext_t         at;

    pool = pool_from(KNOWN_POOL);

    for (c = export_cases; c->name; c++) {
        at = atext_of(c->lines, c->alines);

        snprintf(name, sizeof(name), "html: %s", c->name);
        if (ngx_pad_html_get_html(ctx, &at, pool, &opts, &out)
            != NGX_PAD_HTML_OK)
        {
            ok(0, name);
            diag("%s", ngx_pad_ctx_error(ctx));

        } else {
            is_pstr(&out, c->html, name);
        }

        if (c->txt == NULL) {
            continue;
        }

        snprintf(name, sizeof(name), "txt: %s", c->name);
        if (ngx_pad_html_get_txt(ctx, &at, pool, &opts, &out)
            != NGX_PAD_HTML_OK)
        {
            ok(0, name);
            diag("%s", ngx_pad_ctx_error(ctx));

        } else {
            is_pstr(&out, c->txt, name);
        }
    }

    ngx_pad_pool_destroy(pool);
}


static void
test_export_plugins_off(void)
{
    ngx_pad_str_t         out;
    ngx_pad_pool_t       *pool;
    ngx_pad_atext_t       at;
    ngx_pad_html_opts_t   o;
    static const char    *lines[] = { "*Hello", NULL };
    static const char    *alines[] = { "*0*6*b*d+1+5" };

    pool = pool_from(KNOWN_POOL);
    at = atext_of(lines, alines);
    o = opts;
    o.flags = 0;

    ok(ngx_pad_html_get_html(ctx, &at, pool, &o, &out) == NGX_PAD_HTML_OK
       && is_pstr(&out, "*Hello<br>", "[code] without the plugins a "
                  "heading line is its text, marker included"),
       "plugins off");

    o.flags = NGX_PAD_HTML_ALIGN;
    ok(ngx_pad_html_get_html(ctx, &at, pool, &o, &out) == NGX_PAD_HTML_OK
       && is_pstr(&out, "<p style='text-align:left'>Hello</p><br>",
                  "[code] ep_align alone"),
       "ep_align alone");

    ngx_pad_pool_destroy(pool);
}


static void
test_export_wrappers(void)
{
    ngx_pad_str_t      out, title;
    ngx_pad_pool_t    *pool;
    ngx_pad_atext_t    at;
    static const char *lines[] = { "a", NULL };
    static const char *alines[] = { "+1" };

    pool = pool_from(KNOWN_POOL);
    at = atext_of(lines, alines);

    ok(ngx_pad_html_api_html(ctx, &at, pool, &opts, &out) == NGX_PAD_HTML_OK
       && is_pstr(&out, "<!DOCTYPE HTML><html><body>a<br></body></html>",
                  "getHTML's wrapper (API.ts)"),
       "api html");

    title.data = "p<&>'\"/";
    title.len = strlen(title.data);

    if (!ok(ngx_pad_html_document(ctx, &at, pool, &title, &opts, &out)
            == NGX_PAD_HTML_OK, "the document of /export/html"))
    {
        diag("%s", ngx_pad_ctx_error(ctx));
        ngx_pad_pool_destroy(pool);
        return;
    }

    is_pstr(&out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n"
        "<title>p&lt;&amp;&gt;&#x27;&quot;&#x2F;</title>\n"
        "  <link rel=\"manifest\" href=\"/manifest.json\" />\n"
        "  <meta name=\"generator\" content=\"Etherpad\"/>\n"
        "<meta name=\"author\" content=\"Etherpad\"/>\n"
        "<meta name=\"changedby\" content=\"Etherpad\"/>\n"
        "<meta charset=\"utf-8\"/>\n<style>\n"
        "ol {\n  counter-reset: item;\n}\n\n"
        "ol > li {\n  counter-increment: item;\n}\n\n"
        "ol ol > li {\n  display: block;\n}\n\n"
        "ol > li {\n  display: block;\n}\n\n"
        "ol > li:before {\n  content: counters(item, \".\") \". \";\n}\n\n"
        "ol ol > li:before {\n  content: counters(item, \".\") \". \";\n"
        "  margin-left: -20px;\n}\n\n"
        "ul.indent {\n  list-style-type: none;\n}\n\n"
        "h1{font-size: 2.5em;}\nh2{font-size: 1.8em;}\n"
        "h3{font-size: 1.5em;}\nh4{font-size: 1.2em;}\n"
        "code{font-family: RobotoMono;}\n"
        "\n</style>\n</head>\n<body>\na<br>\n</body>\n</html>\n",
        "export_html.html with the pad's id escaped, ep_headings2's "
        "styles");

    ngx_pad_pool_destroy(pool);
}


static void
test_export_errors(void)
{
    intptr_t              rc;
    ngx_pad_str_t         out;
    ngx_pad_pool_t       *pool;
    ngx_pad_atext_t       at;
    ngx_pad_html_opts_t   o;
    static const char    *l1[] = { "*x", NULL };
    static const char    *a1[] = { "*z+2" };
    static const char    *a2[] = { "*0*6*f+1+1" };
    static const char    *l3[] = { "abcdefghij", NULL };
    static const char    *a3[] = { "+a" };

    pool = pool_from(KNOWN_POOL);

    at = atext_of(l1, a1);
    rc = ngx_pad_html_get_html(ctx, &at, pool, &opts, &out);
    is_int(rc, NGX_PAD_HTML_ERROR, "an attribute missing from the pool");
    rc = ngx_pad_html_get_txt(ctx, &at, pool, &opts, &out);
    is_int(rc, NGX_PAD_HTML_ERROR, "txt: an attribute missing from the pool");

    at = atext_of(l1, a2);
    rc = ngx_pad_html_get_html(ctx, &at, pool, &opts, &out);
    is_int(rc, NGX_PAD_HTML_LIMIT, "a list level above the maximum");

    at = atext_of(l3, a3);
    at.attribs.len--;                       /* "+a|1+" */
    rc = ngx_pad_html_get_html(ctx, &at, pool, &opts, &out);
    is_int(rc, NGX_PAD_HTML_ERROR, "an attribution that does not cover the "
           "text");

    at = atext_of(l3, a3);
    o = opts;
    o.max_output = 14;
    rc = ngx_pad_html_get_html(ctx, &at, pool, &o, &out);
    is_int(rc, NGX_PAD_HTML_OK, "the output limit, exactly");
    o.max_output = 13;
    rc = ngx_pad_html_get_html(ctx, &at, pool, &o, &out);
    is_int(rc, NGX_PAD_HTML_LIMIT, "the output limit, one byte over");
    o.max_output = 10;
    rc = ngx_pad_html_get_txt(ctx, &at, pool, &o, &out);
    is_int(rc, NGX_PAD_HTML_LIMIT, "txt: the output limit");

    ngx_pad_pool_destroy(pool);
}


int
main(void)
{
    ctx = ngx_pad_ctx_create();
    if (ctx == NULL) {
        return 2;
    }

    ngx_pad_html_opts_init(&opts);

    test_export();
    test_export_plugins_off();
    test_export_wrappers();
    test_export_errors();

    ngx_pad_ctx_destroy(ctx);

    return done_testing();
}
