/* libFuzzer target: a profile's YAML text (profile_load_buffer). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/profile.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;
	struct profile *p;

	e.msg[0] = '\0';
	p = profile_load_buffer((const char *)data, size, "fuzz.yaml", NULL,
	    &e);
	if (p == NULL) {
		fuzzcheck_err(&e);
		return 0;
	}
	fuzzcheck(p->backend != NULL && p->engines >= 1 &&
	    p->engines <= PROFILE_MAX_ENGINES && p->name != NULL &&
	    strcmp(p->name, "fuzz") == 0 && p->ipython_profile != NULL,
	    "loaded profile breaks its invariants");
	profile_free(p);
	return 0;
}
