# `make run` and `make test` set everything up on a fresh machine, then serve or test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
#: The port `make run` serves on: `make run PORT=8080`.
PORT ?= 5000
#: The browser tests drive Debian's Chromium at this path (tests/browser/conftest.py).
CHROMIUM ?= /usr/bin/chromium
#: What installs a missing system package (as root).
APT_GET ?= apt-get

.PHONY: run test setup browser-deps translations migrate demo-data worker clean

run: setup migrate demo-data
	@echo
	@cat instance/demo-accounts.txt 2>/dev/null || true
	@echo
	@echo "Serving the portal on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed translations

# The browser tests need Chromium, and a font with Chinese characters for the pages they show
# in Chinese. What is missing is installed with apt-get (one update, then one install) when
# running as root; otherwise the exact command is printed and make stops.
browser-deps:
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	command -v fc-list >/dev/null 2>&1 || missing="$$missing fontconfig"; \
	test -n "$$(fc-list :lang=zh family 2>/dev/null)" || missing="$$missing fonts-wqy-microhei"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "The browser tests need:$$missing. Install them with:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi; \
	echo "Installing:$$missing"; \
	$(APT_GET) update -qq && \
	DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq$$missing >/dev/null

# Dependencies come from setup.cfg (install_requires and the test extra), pinned there.
$(VENV)/.installed: setup.cfg
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -c "import configparser; c = configparser.ConfigParser(); c.read('setup.cfg'); print(c['options']['install_requires']); print(c['options.extras_require']['test'])" > $(VENV)/requirements.txt
	$(BIN)/python -m pip install --quiet -r $(VENV)/requirements.txt
	touch $@

# A catalog is compiled when it is newer than its .mo file (so that two test runs side by side
# never rewrite a catalog the other is reading).
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)
translations: $(CATALOGS:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@ -l $* > /dev/null

migrate: setup
	$(BIN)/flask db upgrade

demo-data: migrate
	$(BIN)/flask portal demo-data --if-empty

worker: setup
	$(BIN)/flask portal worker

clean:
	rm -rf $(VENV) .pytest_cache
