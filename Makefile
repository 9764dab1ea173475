# The two commands of the README, and what they need.
#   make wordcount   runs WordCount, embedded, on the bundled text
#   make test        runs every test
# Each first installs the Debian packages that are missing.

PACKAGES := libsqlite3-dev libzmq3-dev
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: deps wordcount test

deps:
	@missing=""; \
	for package in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

wordcount: deps
	swift run wordcount --db word-counts.sqlite

test: deps
	swift build --build-tests
	swift test --skip-build
