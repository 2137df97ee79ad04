
/*
 * ngx_pad_module: "pad_status" locations: the metrics of every worker
 * (metrics/ngx_pad_metrics.h) in the Prometheus text exposition format
 * (version 0.0.4), or as JSON with ?format=json.  Restrict the location
 * with allow/deny.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_pad_version.h"
#include "metrics/ngx_pad_metrics.h"
#include "http/ngx_pad_http_status.h"


#define NGX_PAD_STATUS_LINE  512


typedef struct {
    u_char                    *pos;
    u_char                    *end;
} ngx_pad_status_out_t;


static ngx_str_t  ngx_pad_status_prom_type =
    ngx_string("text/plain; version=0.0.4; charset=utf-8");
static ngx_str_t  ngx_pad_status_json_type =
    ngx_string("application/json");


/* bucket bound (microseconds) as seconds: 250 -> "0.00025" */

static u_char *
ngx_pad_status_seconds(u_char *p, u_char *end, uint64_t us)
{
    u_char  frac[7], *f;

    if (us % 1000000 == 0) {
        return ngx_slprintf(p, end, "%uL", us / 1000000);
    }

    f = ngx_sprintf(frac, "%06uL", us % 1000000);

    while (f > frac && f[-1] == '0') {
        f--;
    }

    return ngx_slprintf(p, end, "%uL.%*s", us / 1000000,
                        (size_t) (f - frac), frac);
}


static int64_t
ngx_pad_status_value(ngx_pad_metrics_snapshot_t *s, ngx_uint_t i)
{
    int64_t  v = (int64_t) s->v[i];

    /* a gauge is a sum of +1/-1 of live workers: never below 0 */
    return (!ngx_pad_metrics_desc[i].counter && v < 0) ? 0 : v;
}


static void
ngx_pad_status_prometheus(ngx_pad_status_out_t *o,
    ngx_pad_metrics_snapshot_t *s)
{
    uint64_t                      cum;
    ngx_uint_t                    i, h, b;
    const char                   *prev;
    const ngx_pad_metric_desc_t  *d;

    prev = NULL;

    for (i = 0; i < NGX_PAD_M_N; i++) {
        d = &ngx_pad_metrics_desc[i];

        if (prev == NULL || ngx_strcmp(prev, d->family) != 0) {
            o->pos = ngx_slprintf(o->pos, o->end,
                                  "# HELP %s %s\n# TYPE %s %s\n",
                                  d->family, d->help, d->family,
                                  d->counter ? "counter" : "gauge");
            prev = d->family;
        }

        if (d->label) {
            o->pos = ngx_slprintf(o->pos, o->end, "%s{%s=\"%s\"} %L\n",
                                  d->family, d->label, d->value,
                                  ngx_pad_status_value(s, i));

        } else {
            o->pos = ngx_slprintf(o->pos, o->end, "%s %L\n", d->family,
                                  ngx_pad_status_value(s, i));
        }
    }

    for (h = 0; h < NGX_PAD_H_N; h++) {
        d = &ngx_pad_metrics_hist_desc[h];

        o->pos = ngx_slprintf(o->pos, o->end,
                              "# HELP %s %s\n# TYPE %s histogram\n",
                              d->family, d->help, d->family);
        cum = 0;

        for (b = 0; b <= NGX_PAD_HB; b++) {
            cum += s->bucket[h][b];

            o->pos = ngx_slprintf(o->pos, o->end, "%s_bucket{le=\"",
                                  d->family);

            if (b < NGX_PAD_HB) {
                o->pos = ngx_pad_status_seconds(o->pos, o->end,
                                                ngx_pad_metrics_bounds[b]);

            } else {
                o->pos = ngx_slprintf(o->pos, o->end, "+Inf");
            }

            o->pos = ngx_slprintf(o->pos, o->end, "\"} %uL\n", cum);
        }

        o->pos = ngx_slprintf(o->pos, o->end, "%s_sum ", d->family);
        o->pos = ngx_pad_status_seconds(o->pos, o->end, s->sum_us[h]);
        o->pos = ngx_slprintf(o->pos, o->end, "\n%s_count %uL\n",
                              d->family, cum);
    }

    o->pos = ngx_slprintf(o->pos, o->end,
                          "# HELP pad_workers Worker processes counted\n"
                          "# TYPE pad_workers gauge\n"
                          "pad_workers %ui\n"
                          "# HELP pad_metrics_start_time_seconds When the "
                          "metrics zone was created\n"
                          "# TYPE pad_metrics_start_time_seconds gauge\n"
                          "pad_metrics_start_time_seconds %T\n"
                          "# HELP pad_info The module's version\n"
                          "# TYPE pad_info gauge\n"
                          "pad_info{version=\"%s\"} 1\n",
                          s->workers, s->started, NGX_PAD_VERSION);
}


static void
ngx_pad_status_json(ngx_pad_status_out_t *o, ngx_pad_metrics_snapshot_t *s)
{
    uint64_t                      cum;
    ngx_uint_t                    i, h, b, open;
    const ngx_pad_metric_desc_t  *d, *n;

    o->pos = ngx_slprintf(o->pos, o->end,
                          "{\"version\":\"%s\",\"workers\":%ui,"
                          "\"slots\":%ui,\"started\":%T",
                          NGX_PAD_VERSION, s->workers, s->slots,
                          s->started);
    open = 0;

    for (i = 0; i < NGX_PAD_M_N; i++) {
        d = &ngx_pad_metrics_desc[i];

        if (d->label == NULL) {
            o->pos = ngx_slprintf(o->pos, o->end, ",\"%s\":%L", d->family,
                                  ngx_pad_status_value(s, i));
            continue;
        }

        /* a family with a label: "family":{"value":n,...} */

        if (!open) {
            o->pos = ngx_slprintf(o->pos, o->end, ",\"%s\":{", d->family);
        }

        o->pos = ngx_slprintf(o->pos, o->end, "%s\"%s\":%L",
                              open ? "," : "", d->value,
                              ngx_pad_status_value(s, i));
        open = 1;

        n = (i + 1 < NGX_PAD_M_N) ? &ngx_pad_metrics_desc[i + 1] : NULL;

        if (n == NULL || n->label == NULL
            || ngx_strcmp(n->family, d->family) != 0)
        {
            o->pos = ngx_slprintf(o->pos, o->end, "}");
            open = 0;
        }
    }

    for (h = 0; h < NGX_PAD_H_N; h++) {
        d = &ngx_pad_metrics_hist_desc[h];

        o->pos = ngx_slprintf(o->pos, o->end, ",\"%s\":{\"buckets\":{",
                              d->family);
        cum = 0;

        for (b = 0; b <= NGX_PAD_HB; b++) {
            cum += s->bucket[h][b];
            o->pos = ngx_slprintf(o->pos, o->end, "%s\"", b ? "," : "");

            if (b < NGX_PAD_HB) {
                o->pos = ngx_pad_status_seconds(o->pos, o->end,
                                                ngx_pad_metrics_bounds[b]);

            } else {
                o->pos = ngx_slprintf(o->pos, o->end, "+Inf");
            }

            o->pos = ngx_slprintf(o->pos, o->end, "\":%uL", cum);
        }

        o->pos = ngx_slprintf(o->pos, o->end, "},\"sum\":");
        o->pos = ngx_pad_status_seconds(o->pos, o->end, s->sum_us[h]);
        o->pos = ngx_slprintf(o->pos, o->end, ",\"count\":%uL}", cum);
    }

    o->pos = ngx_slprintf(o->pos, o->end, "}\n");
}


static ngx_int_t
ngx_pad_http_status_handler(ngx_http_request_t *r)
{
    size_t                       size;
    ngx_int_t                    rc;
    ngx_str_t                    format, *type;
    ngx_buf_t                   *b;
    ngx_chain_t                  out;
    ngx_pad_status_out_t         o;
    ngx_pad_metrics_snapshot_t   snap;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    type = &ngx_pad_status_prom_type;

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK) {
        if (format.len == 4 && ngx_strncmp(format.data, "json", 4) == 0) {
            type = &ngx_pad_status_json_type;

        } else if (!(format.len == 10
                     && ngx_strncmp(format.data, "prometheus", 10) == 0))
        {
            return NGX_HTTP_BAD_REQUEST;
        }
    }

    if (ngx_pad_metrics_snapshot(&snap) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "pad_status: this worker has no metrics zone");
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    /* each line is shorter than NGX_PAD_STATUS_LINE */
    size = (3 * NGX_PAD_M_N + NGX_PAD_H_N * (NGX_PAD_HB + 6) + 16)
           * NGX_PAD_STATUS_LINE;

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    o.pos = b->pos;
    o.end = b->end;

    if (type == &ngx_pad_status_json_type) {
        ngx_pad_status_json(&o, &snap);

    } else {
        ngx_pad_status_prometheus(&o, &snap);
    }

    b->last = o.pos;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


char *
ngx_pad_http_status_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_metrics_conf_t  *mcf = (ngx_pad_metrics_conf_t *)
                                       ((u_char *) conf + cmd->offset);

    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == ngx_pad_http_status_handler) {
        return "is duplicate";
    }

    clcf->handler = ngx_pad_http_status_handler;
    mcf->used = 1;

    return NGX_CONF_OK;
}
