/* libFuzzer target: what sbatch and qsub print when a job is submitted
 * (batch_parse_submit: the job id) or refused (batch_submit_error: the
 * line to show). Input: stdout, then after the first NUL byte, stderr. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/batch.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, '\0', size);
	size_t outlen = nul != NULL ? (size_t)(nul - (const char *)data) : size;
	char *out = strndup((const char *)data, outlen);
	char *errout = nul != NULL ? strndup(nul + 1, size - outlen - 1) :
	    strdup("");
	char *id, *msg;

	fuzzcheck(out != NULL && errout != NULL, "out of memory");
	id = batch_parse_submit(out);
	if (id != NULL) {
		fuzzcheck(isdigit((unsigned char)id[0]), "job id not a number");
		for (const char *p = id; *p != '\0'; p++)
			fuzzcheck(isalnum((unsigned char)*p) ||
			    strchr("._-[]", *p) != NULL,
			    "job id with a stray character");
		fuzzcheck(strstr(out, id) != NULL, "job id not in the output");
	}
	msg = batch_submit_error(out, errout);
	if (msg != NULL)
		fuzzcheck(strchr(msg, '\n') == NULL,
		    "submit error spans lines");
	free(id);
	free(msg);
	free(out);
	free(errout);
	return 0;
}
