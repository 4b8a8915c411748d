# `make run` and `make test` set everything up on a fresh machine, then serve or test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test setup translations migrate demo-data worker clean

run: setup migrate demo-data
	@echo
	@cat instance/demo-accounts.txt 2>/dev/null || true
	@echo
	@echo "Serving the portal on http://127.0.0.1:5000 (Ctrl+C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed translations

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
