# tests/mutants/mutants.mk - `make mutants`: every one-line mutation of
# tests/mutants/mutations.txt applied, rebuilt and run against the unit, HTTP and
# contract suites; survivors reported in $(BUILD)/mutants/report.txt. Not part of
# `make test` or CI (about a minute per mutant). MUTANTS="name ..." runs a subset.

.PHONY: mutants

mutants: deps-check
	tests/mutants/run.sh $(MUTANTS)
