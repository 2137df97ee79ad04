
/*
 * ngx_pad_module: the pad engine's life in a worker (the engine's top
 * file): its state, the application it installs in the transport
 * (ngx_pad_app_t: the callbacks in ngx_pad_dispatch.c and
 * ngx_pad_handover.c), the handlers it hands to the lower files, init
 * and exit.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


static const ngx_pad_app_t  ngx_pad_engine_app = {
    ngx_pad_dispatch_connected,
    ngx_pad_dispatch_event,
    ngx_pad_dispatch_writable,
    ngx_pad_dispatch_closed,
    ngx_pad_session_export,
    ngx_pad_session_import
};


static void
ngx_pad_engine_cleanup(void *data)
{
    ngx_pad_engine_t  *e = data;

    ngx_pad_ctx_destroy(e->ctx);
    ngx_pad_engine = NULL;
}


ngx_int_t
ngx_pad_engine_init_process(ngx_cycle_t *cycle, ngx_pad_engine_conf_t *ecf)
{
    ngx_pad_engine_t    *e;
    ngx_pool_cleanup_t  *cln;

    e = ngx_pcalloc(cycle->pool, sizeof(ngx_pad_engine_t));
    if (e == NULL) {
        return NGX_ERROR;
    }

    e->conf = ecf;
    e->log = cycle->log;
    e->settings = ecf->settings;

    e->ctx = ngx_pad_ctx_create();
    if (e->ctx == NULL) {
        return NGX_ERROR;
    }

    /* freed with the cycle, after every exit_process hook ran */

    cln = ngx_pool_cleanup_add(cycle->pool, 0);
    if (cln == NULL) {
        ngx_pad_ctx_destroy(e->ctx);
        return NGX_ERROR;
    }

    cln->handler = ngx_pad_engine_cleanup;
    cln->data = e;

    ngx_snprintf((u_char *) e->wid, sizeof(e->wid) - 1, "%08xD%08xD%Z",
                 (uint32_t) ngx_random(), (uint32_t) ngx_pid);

    /* the handlers the lower files are handed */

    e->pad_ready = ngx_pad_dispatch_pad_ready;
    e->pad_flush = ngx_pad_fanout_pad;
    e->pad_check = ngx_pad_repair_check;
    e->pad_cleanup = ngx_pad_repair_cleanup;
    e->pad_channel = ngx_pad_channel_handler;

    ngx_pad_engine = e;
    ngx_pad_pad_registry_init();
    ngx_pad_conn_init_process();
    ngx_pad_store_on_lost(ngx_pad_repair_lost, NULL);

    ngx_pad_app_set(&ngx_pad_engine_app);

    return NGX_OK;
}


void
ngx_pad_engine_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_pad_engine == NULL) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "pad: engine: %ui commits, %ui conflicts, %ui rejected, "
                  "%ui batches", ngx_pad_engine->commits,
                  ngx_pad_engine->conflicts, ngx_pad_engine->rejected,
                  ngx_pad_engine->batches);

    /*
     * Sockets still open are closed by the transport after the store is
     * gone: from now on the engine frees its state without calling it.
     */
    ngx_pad_engine->exiting = 1;
    ngx_pad_store_on_lost(NULL, NULL);
}
