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
#include "html/ngx_pad_html_import.h"

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
      { "*0*6*a+1+6", "*0*6*a+1+6", "" },
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


/* contentcollector.ts's knownAttribs, nothing else */
#define CC_POOL                                                           \
    "{\"numToAttrib\":{\"0\":[\"insertorder\",\"first\"],"                \
    "\"1\":[\"italic\",\"true\"],\"2\":[\"list\",\"bullet1\"],"           \
    "\"3\":[\"list\",\"bullet2\"],\"4\":[\"list\",\"number1\"],"          \
    "\"5\":[\"list\",\"number2\"],\"6\":[\"lmkr\",\"1\"],"                \
    "\"7\":[\"start\",\"1\"],\"8\":[\"start\",\"2\"]},\"nextNum\":9}"


typedef struct {
    const char   *name;
    const char   *html;
    const char   *lines[MAXL];      /* NULL ends */
    const char   *alines[MAXL];
} cc_case_t;


/* [cc]: every case of contentcollector.ts that is not disabled */
static const cc_case_t  cc_cases[] = {
    { "Simple", "<html><body><p>foo</p></body></html>",
      { "foo", NULL }, { "+3" } },
    { "Line starts with asterisk", "<html><body><p>*foo</p></body></html>",
      { "*foo", NULL }, { "+4" } },
    { "Complex nested Li",
      "<!doctype html><html><body><ol><li>one</li><li><ol><li>1.1</li></ol>"
      "</li><li>two</li></ol></body></html>",
      { "*one", "*1.1", "*two", NULL },
      { "*0*4*6*7+1+3", "*0*5*6*8+1+3", "*0*4*6*8+1+3" } },
    { "Complex list of different types",
      "<!doctype html><html><body><ul class=\"bullet\"><li>one</li><li>two"
      "</li><li>0</li><li>1</li><li>2<ul class=\"bullet\"><li>3</li><li>4"
      "</li></ul></li></ul><ol class=\"number\"><li>item<ol class=\"number\">"
      "<li>item1</li><li>item2</li></ol></li></ol></body></html>",
      { "*one", "*two", "*0", "*1", "*2", "*3", "*4", "*item", "*item1",
        "*item2", NULL },
      { "*0*2*6+1+3", "*0*2*6+1+3", "*0*2*6+1+1", "*0*2*6+1+1",
        "*0*2*6+1+1", "*0*3*6+1+1", "*0*3*6+1+1", "*0*4*6*7+1+4",
        "*0*5*6*8+1+5", "*0*5*6*8+1+5" } },
    { "Tests if uls properly get attributes",
      "<html><body><ul><li>a</li><li>b</li></ul><div>div</div><p>foo</p>"
      "</body></html>",
      { "*a", "*b", "div", "foo", NULL },
      { "*0*2*6+1+1", "*0*2*6+1+1", "+3", "+3" } },
    { "Tests if indented uls properly get attributes",
      "<html><body><ul><li>a</li><ul><li>b</li></ul><li>a</li></ul><p>foo"
      "</p></body></html>",
      { "*a", "*b", "*a", "foo", NULL },
      { "*0*2*6+1+1", "*0*3*6+1+1", "*0*2*6+1+1", "+3" } },
    { "Tests if ols properly get line numbers when in a normal OL",
      "<html><body><ol><li>a</li><li>b</li><li>c</li></ol><p>test</p>"
      "</body></html>",
      { "*a", "*b", "*c", "test", NULL },
      { "*0*4*6*7+1+1", "*0*4*6*7+1+1", "*0*4*6*7+1+1", "+4" } },
    { "A single completely empty line break within an ol should reset count "
      "if OL is closed off..",
      "<html><body><ol><li>should be 1</li></ol><p>hello</p><ol><li>should "
      "be 1</li><li>should be 2</li></ol><p></p></body></html>",
      { "*should be 1", "hello", "*should be 1", "*should be 2", "", NULL },
      { "*0*4*6*7+1+b", "+5", "*0*4*6*8+1+b", "*0*4*6*8+1+b", "" } },
    { "A single <p></p> should create a new line",
      "<html><body><p></p><p></p></body></html>",
      { "", "", NULL }, { "", "" } },
    { "Tests if ols properly get line numbers when in a normal OL #2",
      "<html><body>a<ol><li>b<ol><li>c</li></ol></ol>notlist<p>foo</p>"
      "</body></html>",
      { "a", "*b", "*c", "notlist", "foo", NULL },
      { "+1", "*0*4*6*7+1+1", "*0*5*6*8+1+1", "+7", "+3" } },
    { "Content outside body should be ignored",
      "<html><head><title>title</title><style></style></head><body>empty<br>"
      "</body></html>",
      { "empty", NULL }, { "+5" } },
    { "Multiple spaces should be preserved",
      "<html><body>Text with  more   than    one space.<br></body></html>",
      { "Text with  more   than    one space.", NULL }, { "+10" } },
    { "non-breaking and normal space should be preserved",
      "<html><body>Text&nbsp;with&nbsp; more&nbsp;&nbsp;&nbsp;than   "
      "&nbsp;one space.<br></body></html>",
      { "Text with  more   than    one space.", NULL }, { "+10" } },
    { "Multiple nbsp should be preserved",
      "<html><body>&nbsp;&nbsp;<br></body></html>",
      { "  ", NULL }, { "+2" } },
    { "Multiple nbsp between words ",
      "<html><body>&nbsp;&nbsp;word1&nbsp;&nbsp;word2&nbsp;&nbsp;&nbsp;word3"
      "<br></body></html>",
      { "  word1  word2   word3", NULL }, { "+m" } },
    { "A non-breaking space preceded by a normal space",
      "<html><body> &nbsp;word1 &nbsp;word2 &nbsp;word3<br></body></html>",
      { "  word1  word2  word3", NULL }, { "+l" } },
    { "A non-breaking space followed by a normal space",
      "<html><body>&nbsp; word1&nbsp; word2&nbsp; word3<br></body></html>",
      { "  word1  word2  word3", NULL }, { "+l" } },
    { "Don't collapse spaces that follow a newline",
      "<!doctype html><html><body>something<br>             something<br>"
      "</body></html>",
      { "something", "             something", NULL }, { "+9", "+m" } },
    { "Don't collapse spaces that follow a empty paragraph",
      "<!doctype html><html><body>something<p></p>             something<br>"
      "</body></html>",
      { "something", "", "             something", NULL },
      { "+9", "", "+m" } },
    { "Don't collapse spaces that preceed/follow a newline",
      "<html><body>something            <br>             something<br>"
      "</body></html>",
      { "something            ", "             something", NULL },
      { "+l", "+m" } },
    { "Don't collapse spaces that preceed/follow a empty paragraph",
      "<html><body>something            <p></p>             something<br>"
      "</body></html>",
      { "something            ", "", "             something", NULL },
      { "+l", "", "+m" } },
    { "Don't collapse non-breaking spaces that follow a newline",
      "<html><body>something<br>&nbsp;&nbsp;&nbsp;something<br></body>"
      "</html>",
      { "something", "   something", NULL }, { "+9", "+c" } },
    { "Don't collapse non-breaking spaces that follow a paragraph",
      "<html><body>something<p></p>&nbsp;&nbsp;&nbsp;something<br></body>"
      "</html>",
      { "something", "", "   something", NULL }, { "+9", "", "+c" } },
    { "Preserve all spaces when multiple are present",
      "<html><body>Need <span> more </span> space<i>  s </i> !<br></body>"
      "</html>",
      { "Need  more  space  s  !", NULL }, { "+h*1+4+2" } },
    { "Newlines and multiple spaces across newlines should be preserved",
      "\n      <html><body>Need\n          <span> more </span>\n"
      "          space\n          <i>  s </i>\n          !<br></body>"
      "</html>",
      { "Need           more           space            s           !",
        NULL },
      { "+19*1+4+b" } },
    { "Multiple new lines at the beginning should be preserved",
      "<html><body><br><br><p></p><p></p>first line<br><br>second line<br>"
      "</body></html>",
      { "", "", "", "", "first line", "", "second line", NULL },
      { "", "", "", "", "+a", "", "+b" } },
    { "A paragraph with multiple lines should not loose spaces when lines "
      "are combined",
      "<html><body><p>\n\xd0\xb0 \xd0\xb1 \xd0\xb2\n\xd0\xbf \xd1\x80</p>\n"
      "</body></html>",
      { "\xd0\xb0 \xd0\xb1 \xd0\xb2 \xd0\xbf \xd1\x80", NULL }, { "+9" } },
    { "lines in preformatted text should be kept intact",
      "<html><body><p>\n\xd0\xb0 \xd0\xb1</p><pre>multiple\nlines\nin\npre\n"
      "</pre><p>\xd0\xbf \xd1\x80\n\xd1\x8c</p>\n</body></html>",
      { "\xd0\xb0 \xd0\xb1", "multiple", "lines", "in", "pre",
        "\xd0\xbf \xd1\x80 \xd1\x8c", NULL },
      { "+3", "+8", "+5", "+2", "+3", "+5" } },
    { "pre should be on a new line not preceded by a space",
      "<html><body><p>\n    1\n</p><pre>preline\n</pre></body></html>",
      { "    1 ", "preline", NULL }, { "+6", "+7" } },
    { "Preserve spaces on the beginning and end of a element",
      "<html><body>Need<span> more </span>space<i> s </i>!<br></body></html>",
      { "Need more space s !", NULL }, { "+f*1+3+1" } },
    { "Preserve spaces outside elements",
      "<html><body>Need <span>more</span> space <i>s</i> !<br></body></html>",
      { "Need more space s !", NULL }, { "+g*1+1+2" } },
    { "Preserve spaces at the end of an element",
      "<html><body>Need <span>more </span>space <i>s </i>!<br></body></html>",
      { "Need more space s !", NULL }, { "+g*1+2+1" } },
    { "Preserve spaces at the start of an element",
      "<html><body>Need<span> more</span> space<i> s</i> !<br></body></html>",
      { "Need more space s !", NULL }, { "+f*1+2+2" } },
    { NULL, NULL, { NULL }, { NULL } }
};


static void
test_collect(void)
{
    int                   good;
    char                  name[300];
    size_t                i, n;
    ngx_pad_str_t         html, al;
    ngx_pad_pool_t       *pool;
    ngx_pad_html_cc_t     cc;
    ngx_pad_html_opts_t   o;
    const cc_case_t      *c;

    o = opts;
    o.flags = NGX_PAD_HTML_NO_MINIFY;

    for (c = cc_cases; c->name; c++) {
        pool = pool_from(CC_POOL);
        html.data = c->html;
        html.len = strlen(c->html);

        snprintf(name, sizeof(name), "[cc] %s", c->name);

        if (ngx_pad_html_import_lines(ctx, &html, pool, &o, &cc)
            != NGX_PAD_HTML_OK)
        {
            ok(0, name);
            diag("%s", ngx_pad_ctx_error(ctx));
            ngx_pad_pool_destroy(pool);
            continue;
        }

        for (n = 0; c->lines[n]; n++) { }

        good = cc.n == n;

        for (i = 0; good && i < n; i++) {
            if (ngx_pad_html_aline(ctx, &cc.lines[i], &al) != NGX_PAD_HTML_OK
                || cc.lines[i].text.len != strlen(c->lines[i])
                || memcmp(cc.lines[i].text.data, c->lines[i],
                          cc.lines[i].text.len) != 0
                || al.len != strlen(c->alines[i])
                || memcmp(al.data, c->alines[i], al.len) != 0)
            {
                good = 0;
            }
        }

        if (!ok(good, name)) {
            for (i = 0; i < cc.n; i++) {
                ngx_pad_html_aline(ctx, &cc.lines[i], &al);
                diag("got  [%lu] \"%.*s\" %.*s", (unsigned long) i,
                     (int) cc.lines[i].text.len, cc.lines[i].text.data,
                     (int) al.len, al.data);
            }

            for (i = 0; i < n; i++) {
                diag("want [%lu] \"%s\" %s", (unsigned long) i, c->lines[i],
                     c->alines[i]);
            }
        }

        ngx_pad_pool_destroy(pool);
    }
}


typedef struct {
    const char   *name;
    const char   *input;
    const char   *html;             /* getHTML's data.html */
    const char   *text;             /* getText's data.text */
} ie_case_t;


/* [ie]: every case of api/importexport.ts that is not disabled */
static const ie_case_t  ie_cases[] = {
    { "whitespaceinlist #3620",
      "<html><body><ul> <li>FOO</li></ul></body></html>",
      "<ul class=\"bullet\"><li>FOO</ul><br>", "\t* FOO\n\n" },
    { "prefixcorrectlinenumber",
      "<html><body><ol><li>should be 1</li><li>should be 2</li></ol></body>"
      "</html>",
      "<ol start=\"1\" class=\"number\"><li>should be 1</li><li>should be 2"
      "</ol><br>", "\t1. should be 1\n\t2. should be 2\n\n" },
    { "prefixcorrectlinenumbernested",
      "<html><body><ol><li>should be 1</li><ol><li>foo</li></ol><li>should "
      "be 2</li></ol></body></html>",
      "<ol start=\"1\" class=\"number\"><li>should be 1<ol start=\"2\" "
      "class=\"number\"><li>foo</ol><li>should be 2</ol><br>",
      "\t1. should be 1\n\t\t1.1. foo\n\t2. should be 2\n\n" },
    { "ignoreAnyTagsOutsideBody",
      "<html><head><title>title</title><style></style></head><body>empty<br>"
      "</body></html>", "empty<br><br>", "empty\n\n" },
    { "indentedListsAreNotBullets",
      "<html><body><ul class=\"indent\"><li>indent</li><li>indent</ul></body>"
      "</html>",
      "<ul class=\"indent\"><li>indent</li><li>indent</ul><br>",
      "\tindent\n\tindent\n\n" },
    { "lineWithMultipleSpaces",
      "<html><body>Text with  more   than    one space.<br></body></html>",
      "Text with more than one space.<br><br>",
      "Text with more than one space.\n\n" },
    { "lineWithMultipleNonBreakingAndNormalSpaces",
      "<html><body>Text&nbsp;with&nbsp; more&nbsp;&nbsp;&nbsp;than   "
      "&nbsp;one space.<br></body></html>",
      "Text with&nbsp; more&nbsp;&nbsp; than&nbsp; one space.<br><br>",
      "Text with  more   than  one space.\n\n" },
    { "multiplenbsp", "<html><body>&nbsp;&nbsp;<br></body></html>",
      "&nbsp;&nbsp;<br><br>", "  \n\n" },
    { "multipleNonBreakingSpaceBetweenWords",
      "<html><body>&nbsp;&nbsp;word1&nbsp;&nbsp;word2&nbsp;&nbsp;&nbsp;word3"
      "<br></body></html>",
      "&nbsp; word1&nbsp; word2&nbsp;&nbsp; word3<br><br>",
      "  word1  word2   word3\n\n" },
    { "nonBreakingSpacePreceededBySpaceBetweenWords",
      "<html><body> &nbsp;word1 &nbsp;word2 &nbsp;word3<br></body></html>",
      "&nbsp;word1&nbsp; word2&nbsp; word3<br><br>",
      " word1  word2  word3\n\n" },
    { "nonBreakingSpaceFollowededBySpaceBetweenWords",
      "<html><body>&nbsp; word1&nbsp; word2&nbsp; word3<br></body></html>",
      "&nbsp; word1&nbsp; word2&nbsp; word3<br><br>",
      "  word1  word2  word3\n\n" },
    { "spacesAfterNewline",
      "<!doctype html><html><body>something<br>             something<br>"
      "</body></html>",
      "something<br>something<br><br>", "something\nsomething\n\n" },
    { "spacesAfterNewlineP",
      "<!doctype html><html><body>something<p></p>             something<br>"
      "</body></html>",
      "something<br><br>something<br><br>", "something\n\nsomething\n\n" },
    { "spacesAtEndOfLine",
      "<html><body>something            <br>             something<br>"
      "</body></html>",
      "something<br>something<br><br>", "something\nsomething\n\n" },
    { "spacesAtEndOfLineP",
      "<html><body>something            <p></p>             something<br>"
      "</body></html>",
      "something<br><br>something<br><br>", "something\n\nsomething\n\n" },
    { "nonBreakingSpacesAfterNewlines",
      "<html><body>something<br>&nbsp;&nbsp;&nbsp;something<br></body>"
      "</html>",
      "something<br>&nbsp;&nbsp; something<br><br>",
      "something\n   something\n\n" },
    { "nonBreakingSpacesAfterNewlinesP",
      "<html><body>something<p></p>&nbsp;&nbsp;&nbsp;something<br></body>"
      "</html>",
      "something<br><br>&nbsp;&nbsp; something<br><br>",
      "something\n\n   something\n\n" },
    { "collapseSpacesInsideElements",
      "<html><body>Need <span> more </span> space<i>  s </i> !<br></body>"
      "</html>",
      "Need more space<em> s </em>!<br><br>", "Need more space s !\n\n" },
    { "collapseSpacesAcrossNewlines",
      "\n      <html><body>Need\n          <span> more </span>\n"
      "          space\n          <i>  s </i>\n          !<br></body>"
      "</html>",
      "Need more space <em>s </em>!<br><br>", "Need more space s !\n\n" },
    { "multipleNewLinesAtBeginning",
      "<html><body><br><br><p></p><p></p>first line<br><br>second line<br>"
      "</body></html>",
      "<br><br><br><br>first line<br><br>second line<br><br>",
      "\n\n\n\nfirst line\n\nsecond line\n\n" },
    { "multiLineParagraph",
      "<html><body>\n    <p>\n      \xd0\xb0 \xd0\xb1 \xd0\xb2\n"
      "      \xd0\xbf \xd1\x80 \xd1\x8c\n    </p>\n</body></html>",
      "&#1072; &#1073; &#1074; &#1087; &#1088; &#1100;<br><br>",
      "\xd0\xb0 \xd0\xb1 \xd0\xb2 \xd0\xbf \xd1\x80 \xd1\x8c\n\n" },
    { "multiLineParagraphWithPre",
      "<html><body>\n    <p>\n        \xd0\xb0 \xd0\xbe<pre>multiple\n"
      "   lines\n in\n      pre\n</pre></p><p>\xd0\xbf \xd1\x8f\n"
      "\xd1\x8c</p>\n</body></html>",
      "&#1072; &#1086;<br>multiple<br>&nbsp;&nbsp; lines<br>&nbsp;in<br>"
      "&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; pre<br><br>&#1087; &#1103; &#1100;"
      "<br><br>",
      "\xd0\xb0 \xd0\xbe\nmultiple\n   lines\n in\n      pre\n\n"
      "\xd0\xbf \xd1\x8f \xd1\x8c\n\n" },
    { "preIntroducesASpace",
      "<html><body><p>\n    1\n<pre>preline\n</pre></p></body></html>",
      "1<br>preline<br><br><br>", "1\npreline\n\n\n" },
    { "dontDeleteSpaceInsideElements",
      "<html><body>Need<span> more </span>space<i> s </i>!<br></body></html>",
      "Need more space<em> s </em>!<br><br>", "Need more space s !\n\n" },
    { "dontDeleteSpaceOutsideElements",
      "<html><body>Need <span>more</span> space <i>s</i> !<br></body></html>",
      "Need more space <em>s</em> !<br><br>", "Need more space s !\n\n" },
    { "dontDeleteSpaceAtEndOfElement",
      "<html><body>Need <span>more </span>space <i>s </i>!<br></body></html>",
      "Need more space <em>s </em>!<br><br>", "Need more space s !\n\n" },
    { "dontDeleteSpaceAtBeginOfElements",
      "<html><body>Need<span> more</span> space<i> s</i> !<br></body></html>",
      "Need more space<em> s</em> !<br><br>", "Need more space s !\n\n" },
    { "[pad] ulHtml -> expectedHtml",
      "<!doctype html><html><body><ul class=\"bullet\"><li>one</li><li>two"
      "</li><li>0</li><li>1</li><li>2<ul class=\"bullet\"><li>3</li><li>4"
      "</li></ul></li></ul><ol class=\"number\"><li>item<ol class=\"number\">"
      "<li>item1</li><li>item2</li></ol></li></ol></body></html>",
      "<ul class=\"bullet\"><li>one</li><li>two</li><li>0</li><li>1</li>"
      "<li>2<ul class=\"bullet\"><li>3</li><li>4</ul></li></ul>"
      "<ol start=\"1\" class=\"number\"><li>item<ol start=\"2\" "
      "class=\"number\"><li>item1</li><li>item2</ol></li></ol><br>", NULL },
    { "[pad] ulSpaceHtml -> expectedSpaceHtml",
      "<!doctype html><html><body><ul class=\"bullet\"> <li>one</li></ul>"
      "</body></html>",
      "<ul class=\"bullet\"><li>one</ul><br>", NULL },
    { "[h2] one heading",
      "<html><body><h1>Hello world</h1></body></html>",
      "<h1>Hello world</h1><br><br>", NULL },
    { "[h2] headings and align",
      "<html><body><h1><left>Hello world</left></h1><br/><h2><center>Foo"
      "</center></h2></body></html>",
      "<h1 style='text-align:left'>Hello world</h1><br><br>"
      "<h2 style='text-align:center'>Foo</h2><br><br>", NULL },
    { "[h2] adjacent <h1> and <h2> (ether/etherpad#7568)",
      "<html><body><h1>Alpha</h1><h2>Beta</h2></body></html>",
      "<h1>Alpha</h1><br><h2>Beta</h2><br><br>", NULL },
    { "[code] bold, italic, underline, strikethrough from tags and styles",
      "<p><b>b</b><strong>s</strong><span style=\"font-weight: bold\">w"
      "</span><em>e<u>u<s>s</s></u></em><del>d</del></p>",
      "<strong>bsw</strong><em>e<u>u<s>s</s></u></em><s>d</s><br><br>",
      NULL },
    { "[code] entities, script and style dropped, unknown tags ignored",
      "<p>&lt;a&gt; &amp;amp &copy;&#65;&#x42;&eacute;&bogus;"
      "<script>x<y</script><style>p{}</style><blink>z</blink></p>",
      "&lt;a&gt; &amp;amp &#169;AB&#233;&amp;bogus;z<br><br>", NULL },
    { NULL, NULL, NULL, NULL }
};


static void
test_import(void)
{
    char                   name[300], want[4096];
    ngx_pad_str_t          html, out;
    ngx_pad_pool_t        *pool;
    ngx_pad_html_import_t  im;
    const ie_case_t       *c;

    for (c = ie_cases; c->name; c++) {
        pool = pool_from("{\"numToAttrib\":{},\"nextNum\":0}");
        html.data = c->input;
        html.len = strlen(c->input);

        snprintf(name, sizeof(name), "%s%s: setHTML then getHTML",
                 c->name[0] == '[' ? "" : "[ie] ", c->name);

        if (ngx_pad_html_import(ctx, &html, pool, &opts, &im)
            != NGX_PAD_HTML_OK)
        {
            ok(0, name);
            diag("%s", ngx_pad_ctx_error(ctx));
            ngx_pad_pool_destroy(pool);
            continue;
        }

        snprintf(want, sizeof(want), "<!DOCTYPE HTML><html><body>%s"
                 "</body></html>", c->html);

        if (ngx_pad_html_api_html(ctx, &im.atext, pool, &opts, &out)
            != NGX_PAD_HTML_OK)
        {
            ok(0, name);
            diag("%s", ngx_pad_ctx_error(ctx));

        } else if (!is_pstr(&out, want, name)) {
            diag("atext %.*s %.*s", (int) im.atext.text.len,
                 im.atext.text.data, (int) im.atext.attribs.len,
                 im.atext.attribs.data);
        }

        if (c->text) {
            snprintf(name, sizeof(name), "[ie] %s: getText", c->name);

            if (ngx_pad_html_get_txt(ctx, &im.atext, pool, &opts, &out)
                != NGX_PAD_HTML_OK)
            {
                ok(0, name);

            } else {
                is_pstr(&out, c->text, name);
            }
        }

        ngx_pad_pool_destroy(pool);
    }
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
    test_collect();
    test_import();

    ngx_pad_ctx_destroy(ctx);

    return done_testing();
}
