# Debian packages (debian/): libnginx-mod-pad (the module, enabled through
# /etc/nginx/modules-enabled/) and ngx-pad-tools (pad-changeset, pad-migrate), built by
# dpkg-buildpackage with nginx-dev's dh-sequence-nginx, then checked with
# lintian.  The tree is copied first (tracked and new files, not build/),
# so the build never writes into the work tree.
#
#   make deb      build/deb/*.deb, lintian's report in build/deb/lintian.txt

DEB_VERSION := $(shell sed -n '1s/.*(\(.*\)).*/\1/p' $(ROOT)/debian/changelog)
DEB_OUT     := $(BUILD)/deb
DEB_TREE    := $(DEB_OUT)/ngx-pad-module-$(DEB_VERSION)

.PHONY: deb
deb: deps
	rm -rf $(DEB_OUT)
	mkdir -p $(DEB_TREE)
	cd $(ROOT) && { git ls-files -co --exclude-standard 2>/dev/null \
	    || find . -path ./build -prune -o -type f -print; } \
	  | grep -v '^\(\./\)\?build/' | tar -cf - -T - | tar -xf - -C $(DEB_TREE)
	cd $(DEB_TREE) && dpkg-buildpackage -us -uc -b \
	    > $(DEB_OUT)/build.log 2>&1 \
	  || { tail -40 $(DEB_OUT)/build.log; exit 1; }
	lintian --fail-on error,warning \
	    $(DEB_OUT)/ngx-pad-module_$(DEB_VERSION)_*.changes \
	    > $(DEB_OUT)/lintian.txt 2>&1; rc=$$?; \
	  grep -v 'root privileges' $(DEB_OUT)/lintian.txt; exit $$rc
	@ls -1 $(DEB_OUT)/*.deb
