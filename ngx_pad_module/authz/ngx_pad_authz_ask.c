
/*
 * ngx_pad_module: the facts of one access decision and the decision
 * (ngx_pad_authz.h): the store's reads (the pad's existence and public
 * flag, the sessions of the sessionID list) and the site's check run at
 * once; when both answered, src/access/ decides.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "authz/ngx_pad_authz.h"
#include "store/ngx_pad_store.h"


struct ngx_pad_authz_s {
    ngx_pad_authz_pt             handler;
    void                        *data;
    ngx_log_t                   *log;
    ngx_pad_store_access_req_t  *sreq;
    ngx_pad_authz_check_t       *chk;
    ngx_uint_t                   pending;
    ngx_int_t                    rc;
    ngx_pad_access_facts_t       facts;
    u_char                       author[64];
    size_t                       author_len;
    size_t                       pad_len;
    u_char                       pad[1];      /* pad_len bytes */
};


static void ngx_pad_authz_facts(ngx_pad_authz_t *az,
    ngx_pad_authz_input_t *in);
static void ngx_pad_authz_stored(void *data, ngx_pad_store_access_t *res);
static void ngx_pad_authz_checked(void *data, ngx_pad_access_check_e answer);
static void ngx_pad_authz_end(ngx_pad_authz_t *az);


void
ngx_pad_authz_init_process(ngx_pad_authz_conf_t *acf)
{
    ngx_pad_authz_conf_set(acf);
}


/* the group part looks like a group id: a session may match */

static ngx_uint_t
ngx_pad_authz_group_like(ngx_pad_authz_input_t *in)
{
    return in->pad.len >= 2 && in->pad.data[0] == 'g'
           && in->pad.data[1] == '.';
}


ngx_uint_t
ngx_pad_authz_needed(ngx_pad_authz_input_t *in)
{
    ngx_pad_authz_conf_t  *acf;

    acf = ngx_pad_authz_conf_get();

    if (acf && (acf->check || acf->edit_only || acf->require_session)) {
        return 1;
    }

    if (ngx_pad_access_group_pad((const char *) in->pad.data, in->pad.len)) {
        return 1;
    }

    return in->nids && ngx_pad_authz_group_like(in);
}


void
ngx_pad_authz_decide_now(ngx_pad_authz_input_t *in, ngx_pad_access_t *a)
{
    ngx_pad_access_facts_t  f;

    /* no fact matters: a plain pad, created if missing */

    ngx_memzero(&f, sizeof(ngx_pad_access_facts_t));
    f.exists = 1;
    f.readonly_id = in->readonly_id ? 1 : 0;
    f.token_ok = in->token_ok ? 1 : 0;

    ngx_pad_access_decide((const char *) in->pad.data, in->pad.len, &f, a);
}


ngx_pad_authz_t *
ngx_pad_authz_ask(ngx_pad_authz_input_t *in, ngx_log_t *log,
    ngx_pad_authz_pt handler, void *data)
{
    ngx_uint_t             nids;
    ngx_pad_authz_t       *az;
    ngx_pad_authz_conf_t  *acf;

    acf = ngx_pad_authz_conf_get();

    if (acf == NULL || in->pad.len == 0) {
        return NULL;
    }

    az = ngx_calloc(sizeof(ngx_pad_authz_t) + in->pad.len, log);
    if (az == NULL) {
        return NULL;
    }

    az->handler = handler;
    az->data = data;
    az->log = log;
    az->rc = NGX_OK;
    az->pad_len = in->pad.len;
    ngx_memcpy(az->pad, in->pad.data, in->pad.len);

    ngx_pad_authz_facts(az, in);

    /* sessions can only be of a group: skip them for other pads */
    nids = ngx_pad_authz_group_like(in) ? in->nids : 0;

    az->sreq = ngx_pad_store_access(&in->pad, in->ids, nids,
                                    ngx_pad_authz_stored, az);
    if (az->sreq == NULL) {
        ngx_free(az);
        return NULL;
    }

    az->pending = 1;

    if (acf->check) {
        az->chk = ngx_pad_authz_check_start(in, log, ngx_pad_authz_checked,
                                            az);
        if (az->chk == NULL) {
            ngx_pad_store_access_cancel(az->sreq);
            ngx_free(az);
            return NULL;
        }

        az->pending++;
    }

    return az;
}


void
ngx_pad_authz_cancel(ngx_pad_authz_t *az)
{
    if (az == NULL) {
        return;
    }

    ngx_pad_store_access_cancel(az->sreq);
    ngx_pad_authz_check_cancel(az->chk);
    ngx_free(az);
}


static void
ngx_pad_authz_facts(ngx_pad_authz_t *az, ngx_pad_authz_input_t *in)
{
    ngx_pad_authz_conf_t  *acf;

    acf = ngx_pad_authz_conf_get();

    az->facts.readonly_id = in->readonly_id ? 1 : 0;
    az->facts.token_ok = in->token_ok ? 1 : 0;
    az->facts.edit_only = acf->edit_only ? 1 : 0;
    az->facts.require_session = acf->require_session ? 1 : 0;
    az->facts.check = NGX_PAD_ACCESS_CHECK_NONE;
}


static void
ngx_pad_authz_stored(void *data, ngx_pad_store_access_t *res)
{
    ngx_pad_authz_t  *az = data;

    size_t                    glen;
    ngx_uint_t                i;
    ngx_pad_str_t             g, v;
    ngx_pad_store_session_t  *s;

    az->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, az->log, 0,
                      "pad: cannot read the access facts of \"%*s\": %V",
                      az->pad_len, az->pad, &res->err);
        az->rc = NGX_ERROR;
        ngx_pad_authz_end(az);
        return;
    }

    az->facts.exists = res->exists ? 1 : 0;
    az->facts.public = res->public ? 1 : 0;

    glen = ngx_pad_access_group_len((const char *) az->pad, az->pad_len);

    for (i = 0; i < res->nsessions; i++) {
        s = &res->sessions[i];

        g.data = (const char *) s->group.data;
        g.len = s->group.len;
        v.data = (const char *) s->valid_until.data;
        v.len = s->valid_until.len;

        if (s->author.len == 0 || s->author.len > sizeof(az->author)
            || !ngx_pad_access_session_valid((const char *) az->pad, glen,
                                             &g, &v, (int64_t) ngx_time()))
        {
            continue;
        }

        az->facts.session = 1;
        az->author_len = s->author.len;
        ngx_memcpy(az->author, s->author.data, s->author.len);
        break;
    }

    ngx_pad_authz_end(az);
}


static void
ngx_pad_authz_checked(void *data, ngx_pad_access_check_e answer)
{
    ngx_pad_authz_t  *az = data;

    az->chk = NULL;
    az->facts.check = answer;

    ngx_pad_authz_end(az);
}


static void
ngx_pad_authz_end(ngx_pad_authz_t *az)
{
    ngx_str_t         author;
    ngx_pad_access_t  a;

    if (--az->pending) {
        return;
    }

    ngx_pad_access_decide((const char *) az->pad, az->pad_len, &az->facts,
                          &a);

    author.data = az->author;
    author.len = a.session_author ? az->author_len : 0;

    az->handler(az->data, az->rc, &a, &author);

    ngx_free(az);
}
