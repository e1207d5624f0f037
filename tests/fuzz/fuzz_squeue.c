/* libFuzzer target: squeue output. The whole input goes through hpctop's
 * own --format parser (squeue_parse) and the human-table parser; then the
 * first line is taken as a --format string and the rest as its output
 * (squeue_parse_format). Every table must render safely. The input is
 * also read as scontrol's job details (scontrol_layout), which follow
 * squeue in a refresh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/scontrol.h"
#include "core/squeue.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *nl = memchr(buf, '\n', size);
	struct job_table t = { 0 };
	struct err e;
	size_t n;
	long rc;

	n = squeue_parse(buf, size, &t);
	fuzzcheck(n == t.n, "squeue_parse: count differs from rows");
	fuzzcheck_table(&t);

	e.msg[0] = '\0';
	rc = squeue_parse_table(buf, size, &t, &e);
	if (rc == -1)
		fuzzcheck_err(&e);
	else
		fuzzcheck((size_t)rc == t.n, "squeue_parse_table: count");
	fuzzcheck_table(&t);

	if (nl != NULL) {
		/* The format string is a C string: stop at a NUL. */
		char *fmt = strndup(buf, (size_t)(nl - buf));

		fuzzcheck(fmt != NULL, "out of memory");
		e.msg[0] = '\0';
		rc = squeue_parse_format(fmt, nl + 1, size - (size_t)(nl + 1 -
		    buf), &t, &e);
		if (rc == -1)
			fuzzcheck_err(&e);
		else
			fuzzcheck((size_t)rc == t.n,
			    "squeue_parse_format: count");
		fuzzcheck_table(&t);
		free(fmt);
	}
	for (size_t i = 0; i < 2; i++) {
		static const char *const lists[] = { "cn[1-2]", "n1,n2,n3" };
		char *layout = scontrol_layout(buf, size, lists[i]);

		fuzzcheck(layout == NULL || *layout != '\0',
		    "scontrol_layout: an empty layout");
		free(layout);
	}
	return 0;
}
