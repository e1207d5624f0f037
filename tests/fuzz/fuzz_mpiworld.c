/* libFuzzer target: an engine's answer to the MPI world question
 * (mpiworld_parse), and the verdict made from it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mpiworld.h"
#include "core/xmalloc.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *repr = xmalloc(size + 1);
	struct mpiworld_answer a[2];
	char *v;

	memcpy(repr, data, size);
	repr[size] = '\0';
	if (mpiworld_parse(repr, &a[0]) == -1) {
		fuzzcheck(a[0].size == -1 && a[0].lib == NULL,
		    "a refused answer leaves a size or a library");
		free(repr);
		return 0;
	}
	fuzzcheck(a[0].size >= 1 && (a[0].lib == NULL || *a[0].lib != '\0'),
	    "an accepted answer without a size, or with an empty library");
	fuzzcheck(a[0].lib == NULL || strlen(a[0].lib) < size,
	    "the library is longer than the answer");
	a[1] = a[0];
	v = mpiworld_verdict(2, a, 2, "mpiexec", NULL);
	fuzzcheck((v != NULL) == (a[0].size == 1) && (v == NULL ||
	    strncmp(v, MPIWORLD_MISMATCH ": 2 of 2 ",
	    strlen(MPIWORLD_MISMATCH ": 2 of 2 ")) == 0),
	    "the verdict does not follow the world size");
	free(v);
	free(a[0].lib);
	free(repr);
	return 0;
}
