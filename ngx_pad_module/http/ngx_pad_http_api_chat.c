
/*
 * ngx_pad_module: the HTTP API's functions on a pad's chat (API.ts):
 * getChatHistory, appendChatMessage.
 *
 * Etherpad hands these functions the parameters as the strings of the
 * query or body and compares them as JavaScript does: getChatHistory's
 * start and end are tested for truth (a non-empty string), compared with
 * numbers as Number() converts them and with each other as strings, and
 * its range starts at the key "start" and goes on from Number(start) + 1
 * while below Number(end + "1") (end + 1 concatenates); appendChatMessage
 * keeps "time" as the given string when isInt() holds for it.  The
 * functions below reproduce those answers (ngx_pad_api_js_*).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <math.h>       /* NAN, INFINITY, isnan: no libm */

#include "http/ngx_pad_http_api.h"


/* a call's state, in the request's pool */
typedef struct {
    /* getChatHistory: the messages wanted, read, their authors */
    ngx_int_t                  from;
    ngx_int_t                  to;          /* from > to: none */
    ngx_int_t                  next;
    json_t                    *messages;
    json_t                    *names;       /* author id -> name or null */
    const char                *author;      /* the one being read */

    /* appendChatMessage */
    ngx_str_t                  time;        /* .data NULL: Redis's */

    ngx_pad_api_handler_pt     done;
} ngx_pad_api_chat_t;


static ngx_pad_api_chat_t *ngx_pad_api_chat_state(ngx_pad_api_t *api);
static void ngx_pad_api_chat_cleanup(ngx_pad_api_t *api);

static void ngx_pad_api_chat_history(ngx_pad_api_t *api);
static void ngx_pad_api_chat_history_pad(ngx_pad_api_t *api);
static void ngx_pad_api_chat_history_read(ngx_pad_api_t *api);
static void ngx_pad_api_chat_history_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_chat_names(ngx_pad_api_t *api);
static void ngx_pad_api_chat_name_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_chat_history_answer(ngx_pad_api_t *api);

static void ngx_pad_api_chat_append(ngx_pad_api_t *api);
static void ngx_pad_api_chat_append_pad(ngx_pad_api_t *api);
static void ngx_pad_api_chat_append_name(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_chat_append_done(void *data,
    ngx_pad_store_result_t *res);


static double ngx_pad_api_js_number(ngx_str_t *s);
static double ngx_pad_api_js_parse_float(ngx_str_t *s);
static double ngx_pad_api_js_parse_int(ngx_str_t *s);
static ngx_int_t ngx_pad_api_js_less(ngx_str_t *a, ngx_str_t *b);
static ngx_uint_t ngx_pad_api_js_truthy(ngx_str_t *s);


const ngx_pad_api_fn_t  ngx_pad_api_chat_fns[] = {

    { ngx_string("getChatHistory"), NGX_PAD_API_V1_2_7,
      { "padID", "start", "end", NULL }, { NULL }, ngx_pad_api_chat_history },

    { ngx_string("appendChatMessage"), NGX_PAD_API_V1_2_12,
      { "padID", "text", "authorID", "time", NULL }, { NULL },
      ngx_pad_api_chat_append },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


/* the call's state in api->data; NULL after answering */

static ngx_pad_api_chat_t *
ngx_pad_api_chat_state(ngx_pad_api_t *api)
{
    ngx_pad_api_chat_t  *ch;

    ch = ngx_pcalloc(api->r->pool, sizeof(ngx_pad_api_chat_t));
    if (ch == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return NULL;
    }

    api->data = ch;
    api->cleanup = ngx_pad_api_chat_cleanup;

    return ch;
}


static void
ngx_pad_api_chat_cleanup(ngx_pad_api_t *api)
{
    ngx_pad_api_chat_t  *ch = api->data;

    json_decref(ch->messages);
    json_decref(ch->names);
    ch->messages = NULL;
    ch->names = NULL;
}


/* getChatHistory(padID, [start, end]) */

static void
ngx_pad_api_chat_history(ngx_pad_api_t *api)
{
    ngx_str_t  *start, *end;

    start = ngx_pad_api_arg(api, "start");
    end = ngx_pad_api_arg(api, "end");

    /* if (start && end): "start < 0" is Number(start) < 0, NaN is false */

    if (ngx_pad_api_js_truthy(start) && ngx_pad_api_js_truthy(end)) {

        if (ngx_pad_api_js_number(start) < 0) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "start is below zero");
            return;
        }

        if (ngx_pad_api_js_number(end) < 0) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "end is below zero");
            return;
        }

        /* two strings: compared as strings */

        if (ngx_pad_api_js_less(end, start)) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "start is higher than end");
            return;
        }
    }

    if (ngx_pad_api_chat_state(api) == NULL) {
        return;
    }

    (void) ngx_pad_api_pad_head(api, ngx_pad_api_chat_history_pad);
}


static void
ngx_pad_api_chat_history_pad(ngx_pad_api_t *api)
{
    u_char              *p;
    double               s, e, lim;
    ngx_int_t            n;
    ngx_str_t           *start, *end, elim;
    ngx_pad_api_chat_t  *ch = api->data;

    start = ngx_pad_api_arg(api, "start");
    end = ngx_pad_api_arg(api, "end");

    if (!ngx_pad_api_js_truthy(start) || !ngx_pad_api_js_truthy(end)) {
        /* the whole history (0 > -1 when there is none, as in Etherpad) */

        if (0 > api->chat_head) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "start is higher than the current chatHead");
            return;
        }

        ch->from = 0;
        ch->to = api->chat_head;
        goto read;
    }

    s = ngx_pad_api_js_number(start);
    e = ngx_pad_api_js_number(end);

    if (s > (double) api->chat_head) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "start is higher than the current chatHead");
        return;
    }

    if (e > (double) api->chat_head) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "end is higher than the current chatHead");
        return;
    }

    /*
     * Stream.range(start, end + 1): i = start (a string) while
     * start < end + "1" as strings, then Number(start) + 1, ... while
     * below Number(end + "1"); each i a key, read if it exists.
     */

    ch->from = 1;
    ch->to = 0;

    elim.len = end->len + 1;
    elim.data = ngx_pnalloc(api->r->pool, elim.len);
    if (elim.data == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    p = ngx_cpymem(elim.data, end->data, end->len);
    *p = '1';

    if (!ngx_pad_api_js_less(start, &elim)) {
        goto read;
    }

    /* the key "start" is a message's only when it is its number as is */

    n = ngx_atoi(start->data, start->len);

    if (n != NGX_ERROR && n <= api->chat_head
        && (start->len == 1 || start->data[0] != '0'))
    {
        ch->from = n;
        ch->to = n;
    }

    lim = ngx_pad_api_js_number(&elim);

    if (s != (double) (int64_t) s || isnan(lim)) {
        goto read;    /* s + 1, s + 2, ... are no message's numbers */
    }

    /* s is an integer from 0 to chatHead here; from is s or s + 1 */

    if (ch->from > ch->to) {
        ch->from = (ngx_int_t) s + 1;
    }

    ch->to = api->chat_head;

    if (lim - 1 < (double) ch->to) {
        /* the highest integer below lim (lim > s >= 0 here) */
        n = (ngx_int_t) lim;
        ch->to = ((double) n < lim) ? n : n - 1;
    }

read:

    n = (ch->from <= ch->to) ? ch->to - ch->from + 1 : 0;

    if ((ngx_uint_t) n > api->conf->chat_max) {
        ngx_log_error(NGX_LOG_INFO, api->log, 0,
                      "pad api: getChatHistory: %i messages asked, more "
                      "than pad_api_chat_max %ui", n, api->conf->chat_max);
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "more chat messages than pad_api_chat_max");
        return;
    }

    ch->messages = json_array();
    ch->names = json_object();

    if (ch->messages == NULL || ch->names == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ch->next = ch->from;

    ngx_pad_api_chat_history_read(api);
}


/* the next up to NGX_PAD_STORE_RANGE_MAX messages */

static void
ngx_pad_api_chat_history_read(ngx_pad_api_t *api)
{
    ngx_int_t            to;
    ngx_pad_api_chat_t  *ch = api->data;

    if (ch->next > ch->to) {
        ngx_pad_api_chat_names(api);
        return;
    }

    to = ch->next + NGX_PAD_STORE_RANGE_MAX - 1;

    if (to > ch->to) {
        to = ch->to;
    }

    api->sreq = ngx_pad_store_chat_range(ngx_pad_api_arg(api, "padID"),
                                         ch->next, to,
                                         ngx_pad_api_chat_history_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ch->next = to + 1;
}


static void
ngx_pad_api_chat_history_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    json_t              *rec, *m, *author;
    ngx_uint_t           i;
    ngx_pad_api_chat_t  *ch = api->data;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    for (i = 0; i < res->nitems; i++) {
        if (res->items[i].len == 0) {
            continue;    /* Etherpad skips "broken chat entries" too */
        }

        rec = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                         NULL);
        author = json_object_get(rec, "authorId");

        /* ChatMessage.toJSON(): text, time, userId, userName */

        m = json_is_object(rec)
            ? json_pack("{s:O?,s:O?,s:O?,s:n}",
                        "text", json_object_get(rec, "text"),
                        "time", json_object_get(rec, "time"),
                        "userId", author, "userName")
            : NULL;

        if (m == NULL || json_array_append_new(ch->messages, m) != 0) {
            json_decref(rec);
            ngx_log_error(NGX_LOG_ERR, api->log, 0,
                          "pad api: getChatHistory: a bad chat record");
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }

        if (json_is_string(author)
            && json_object_get(ch->names, json_string_value(author)) == NULL
            && json_object_set_new(ch->names, json_string_value(author),
                                   json_false())
               != 0)
        {
            json_decref(rec);
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }

        json_decref(rec);
    }

    ngx_pad_api_chat_history_read(api);
}


/* each author's name (getAuthorName), one read per author */

static void
ngx_pad_api_chat_names(ngx_pad_api_t *api)
{
    json_t              *v;
    ngx_str_t            id;
    const char          *key;
    ngx_pad_api_chat_t  *ch = api->data;

    json_object_foreach(ch->names, key, v) {
        if (!json_is_false(v)) {
            continue;
        }

        ch->author = key;
        id.data = (u_char *) key;
        id.len = ngx_strlen(key);

        if (id.len == 0) {
            json_object_set_new(ch->names, key, json_null());
            continue;
        }

        api->sreq = ngx_pad_store_author_get(&id, ngx_pad_api_chat_name_done,
                                             api);
        if (api->sreq == NULL) {
            /* an id the store refuses (too long) has no name */
            json_object_set_new(ch->names, key, json_null());
            continue;
        }

        return;
    }

    ngx_pad_api_chat_history_answer(api);
}


static void
ngx_pad_api_chat_name_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    json_t              *name;
    ngx_pad_api_chat_t  *ch = api->data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    name = (res->status == NGX_OK && res->name.len)
           ? ngx_pad_api_string(&res->name) : json_null();

    if (name == NULL
        || json_object_set_new(ch->names, ch->author, name) != 0)
    {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ngx_pad_api_chat_names(api);
}


static void
ngx_pad_api_chat_history_answer(ngx_pad_api_t *api)
{
    json_t              *m, *author, *name;
    size_t               i;
    ngx_pad_api_chat_t  *ch = api->data;

    json_array_foreach(ch->messages, i, m) {
        author = json_object_get(m, "userId");

        if (json_is_string(author)) {
            name = json_object_get(ch->names, json_string_value(author));

            if (json_is_string(name)) {
                json_object_set(m, "userName", name);
            }
        }
    }

    ngx_pad_api_ok(api, json_pack("{s:O}", "messages", ch->messages));
}


/* appendChatMessage(padID, text, authorID, [time]) */

static void
ngx_pad_api_chat_append(ngx_pad_api_t *api)
{
    double               f, i;
    ngx_str_t           *time;
    ngx_pad_api_chat_t  *ch;

    if (ngx_pad_api_arg(api, "text") == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "text is not a string");
        return;
    }

    ch = ngx_pad_api_chat_state(api);
    if (ch == NULL) {
        return;
    }

    /* isInt(time): parseFloat(time) === parseInt(time) && !isNaN(time) */

    time = ngx_pad_api_arg(api, "time");

    if (time) {
        f = ngx_pad_api_js_parse_float(time);
        i = ngx_pad_api_js_parse_int(time);

        if (f == i && !isnan(ngx_pad_api_js_number(time))) {
            ch->time = *time;
        }
    }

    (void) ngx_pad_api_pad_head(api, ngx_pad_api_chat_append_pad);
}


static void
ngx_pad_api_chat_append_pad(ngx_pad_api_t *api)
{
    ngx_str_t  *author;

    author = ngx_pad_api_arg(api, "authorID");

    if (author == NULL || author->len == 0) {
        ngx_pad_api_chat_append_name(api, NULL);
        return;
    }

    /* the name the live clients' CHAT_MESSAGE carries */

    api->sreq = ngx_pad_store_author_get(author, ngx_pad_api_chat_append_name,
                                         api);
    if (api->sreq == NULL) {
        ngx_pad_api_chat_append_name(api, NULL);
    }
}


static void
ngx_pad_api_chat_append_name(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    ngx_str_t           *author, *name;
    ngx_pad_api_chat_t  *ch = api->data;

    static ngx_str_t  none = ngx_string("");

    api->sreq = NULL;

    if (res && res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    name = (res && res->status == NGX_OK && res->name.len) ? &res->name
                                                          : NULL;
    author = ngx_pad_api_arg(api, "authorID");

    api->sreq = ngx_pad_store_chat_append(ngx_pad_api_arg(api, "padID"),
                                          ngx_pad_api_arg(api, "text"),
                                          author ? author : &none,
                                          ch->time.data ? &ch->time : NULL,
                                          name,
                                          ngx_pad_api_chat_append_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_chat_append_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    ngx_pad_api_ok(api, NULL);
}


/*
 * JavaScript's conversions of a string, as far as the functions above
 * need them.  White space is the ASCII one (JavaScript's also has
 * U+00A0, U+FEFF and others).
 */

static ngx_uint_t
ngx_pad_api_js_space(u_char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
           || c == '\v';
}


/* the longest decimal literal at p (StrDecimalLiteral), its end or p */

static u_char *
ngx_pad_api_js_decimal(u_char *p, u_char *last)
{
    u_char      *q, *e;
    ngx_uint_t   digits;

    q = p;

    if (q < last && (*q == '+' || *q == '-')) {
        q++;
    }

    if (last - q >= 8 && ngx_strncmp(q, "Infinity", 8) == 0) {
        return q + 8;
    }

    digits = 0;

    while (q < last && *q >= '0' && *q <= '9') {
        q++;
        digits++;
    }

    if (q < last && *q == '.') {
        q++;

        while (q < last && *q >= '0' && *q <= '9') {
            q++;
            digits++;
        }
    }

    if (digits == 0) {
        return p;
    }

    if (q < last && (*q == 'e' || *q == 'E')) {
        e = q + 1;

        if (e < last && (*e == '+' || *e == '-')) {
            e++;
        }

        if (e < last && *e >= '0' && *e <= '9') {
            while (e < last && *e >= '0' && *e <= '9') {
                e++;
            }

            q = e;
        }
    }

    return q;
}


/* the value of a decimal literal p..last (as ngx_pad_api_js_decimal) */

static double
ngx_pad_api_js_decimal_value(u_char *p, u_char *last)
{
    u_char  *q, *buf;
    double   v;

    q = p;

    if (q < last && (*q == '+' || *q == '-')) {
        q++;
    }

    if (last - q == 8 && ngx_strncmp(q, "Infinity", 8) == 0) {
        return *p == '-' ? -INFINITY : INFINITY;
    }

    buf = ngx_alloc(last - p + 1, ngx_cycle->log);
    if (buf == NULL) {
        return NAN;
    }

    *ngx_cpymem(buf, p, last - p) = '\0';

    v = strtod((char *) buf, NULL);

    ngx_free(buf);

    return v;
}


/* Number(s) */

static double
ngx_pad_api_js_number(ngx_str_t *s)
{
    u_char   *p, *last, *q;
    double    v;
    ngx_int_t base;

    p = s->data;
    last = p + s->len;

    while (p < last && ngx_pad_api_js_space(*p)) {
        p++;
    }

    while (last > p && ngx_pad_api_js_space(last[-1])) {
        last--;
    }

    if (p == last) {
        return 0;
    }

    if (last - p > 2 && p[0] == '0') {
        base = (p[1] | 0x20) == 'x' ? 16 : (p[1] | 0x20) == 'o' ? 8
               : (p[1] | 0x20) == 'b' ? 2 : 0;

        if (base) {
            v = 0;

            for (q = p + 2; q < last; q++) {
                if (*q >= '0' && *q <= '9' && *q - '0' < base) {
                    v = v * base + (*q - '0');

                } else if (base == 16 && (*q | 0x20) >= 'a'
                           && (*q | 0x20) <= 'f')
                {
                    v = v * base + ((*q | 0x20) - 'a' + 10);

                } else {
                    return NAN;
                }
            }

            return v;
        }
    }

    if (ngx_pad_api_js_decimal(p, last) != last) {
        return NAN;
    }

    return ngx_pad_api_js_decimal_value(p, last);
}


/* parseFloat(s) */

static double
ngx_pad_api_js_parse_float(ngx_str_t *s)
{
    u_char  *p, *last, *q;

    p = s->data;
    last = p + s->len;

    while (p < last && ngx_pad_api_js_space(*p)) {
        p++;
    }

    q = ngx_pad_api_js_decimal(p, last);

    if (q == p) {
        return NAN;
    }

    return ngx_pad_api_js_decimal_value(p, q);
}


/* parseInt(s) without a radix: a sign, "0x" (hex) or decimal digits */

static double
ngx_pad_api_js_parse_int(ngx_str_t *s)
{
    u_char      *p, *last;
    double       v, sign;
    ngx_uint_t   digits, base, d;

    p = s->data;
    last = p + s->len;

    while (p < last && ngx_pad_api_js_space(*p)) {
        p++;
    }

    sign = 1;

    if (p < last && (*p == '+' || *p == '-')) {
        sign = (*p == '-') ? -1 : 1;
        p++;
    }

    base = 10;

    if (last - p >= 2 && p[0] == '0' && (p[1] | 0x20) == 'x') {
        base = 16;
        p += 2;
    }

    v = 0;
    digits = 0;

    for ( /* void */ ; p < last; p++) {
        if (*p >= '0' && *p <= '9') {
            d = *p - '0';

        } else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f') {
            d = (*p | 0x20) - 'a' + 10;

        } else {
            break;
        }

        v = v * base + d;
        digits++;
    }

    return digits ? sign * v : NAN;
}


/* a < b as JavaScript compares strings (UTF-8 bytes order as code points) */

static ngx_int_t
ngx_pad_api_js_less(ngx_str_t *a, ngx_str_t *b)
{
    size_t     n;
    ngx_int_t  rc;

    n = ngx_min(a->len, b->len);
    rc = ngx_memcmp(a->data, b->data, n);

    return rc < 0 || (rc == 0 && a->len < b->len);
}


static ngx_uint_t
ngx_pad_api_js_truthy(ngx_str_t *s)
{
    return s != NULL && s->len > 0;
}
