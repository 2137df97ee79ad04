
/*
 * ngx_pad_module's version: the module, its tools, its status page and
 * its Debian packages (debian/changelog, checked by t/600-deb.t).
 */


#ifndef _NGX_PAD_VERSION_H_INCLUDED_
#define _NGX_PAD_VERSION_H_INCLUDED_


#define NGX_PAD_VERSION  "0.1.0"


#endif /* _NGX_PAD_VERSION_H_INCLUDED_ */
