# The two commands of the README, and what they need.
#   make wordcount   runs WordCount, embedded, on the bundled text
#   make test        runs every test, against a local RabbitMQ broker it starts if needed
# Each first installs the Debian packages that are missing.

SHELL := /bin/bash
BUILD_PACKAGES := libsqlite3-dev libzmq3-dev librabbitmq-dev libmicrohttpd-dev
TEST_PACKAGES := rabbitmq-server chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: deps test-deps install broker wordcount test

deps:
	@$(MAKE) --no-print-directory install PACKAGES="$(BUILD_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install PACKAGES="$(BUILD_PACKAGES) $(TEST_PACKAGES)"

install:
	@missing=""; \
	for package in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Makes sure a RabbitMQ broker answers on 127.0.0.1:5672, starting the
# Debian one if not (containers have no systemd). Nothing to do when the
# tests are pointed at another broker with MONOMYTH_TEST_AMQP_URL.
broker: test-deps
	@if [ -n "$$MONOMYTH_TEST_AMQP_URL" ]; then exit 0; fi; \
	answers() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }; \
	if ! answers; then \
	  echo "Starting RabbitMQ"; \
	  $(SUDO) rabbitmq-server -detached || $(SUDO) service rabbitmq-server start; \
	  $(SUDO) timeout 120 rabbitmqctl await_startup >/dev/null 2>&1 || true; \
	fi; \
	for _ in $$(seq 120); do answers && exit 0; sleep 1; done; \
	echo "RabbitMQ did not answer on 127.0.0.1:5672 within 120 s; see /var/log/rabbitmq" >&2; exit 1

wordcount: deps
	swift run wordcount --db word-counts.sqlite

# BrokerRestartTests restarts the broker, so it runs alone, after the rest.
test: test-deps broker
	swift build --build-tests
	swift test --skip-build --skip BrokerRestartTests
	swift test --skip-build --filter BrokerRestartTests
