/*
 * fuzz.h - what every libFuzzer harness in tests/fuzz/ shares: the entry
 * points' prototypes (the warnings want them) and CHECK, which aborts with
 * the harness's file and line so that libFuzzer records the input as a crash.
 */
#ifndef STRATA_FUZZ_H
#define STRATA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s: check failed: %s (line %d)\n", __FILE__, #cond, __LINE__);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
