/* libFuzzer target: a host's process list as the snapshot script prints
 * it over SSH (procsnap_parse). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/procsnap.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procsnap ps;
	struct err e;

	e.msg[0] = '\0';
	if (procsnap_parse((const char *)data, size, "HPCTOP_CLUSTER", &ps,
	    &e) == -1) {
		fuzzcheck_err(&e);
		return 0;
	}
	fuzzcheck(ps.boot_id != NULL, "a list without a boot id");
	for (size_t i = 0; i < ps.n; i++) {
		fuzzcheck(ps.v[i].pid > 0 && ps.v[i].state != '\0' &&
		    ps.v[i].comm != NULL, "a process without its stat");
		fuzzcheck(i == 0 || ps.v[i - 1].pid < ps.v[i].pid,
		    "processes not in pid order, or one twice");
		fuzzcheck(procsnap_find(&ps, ps.v[i].pid) == &ps.v[i],
		    "a process not found by its pid");
		fuzzcheck(ps.v[i].cmdlen == 0 ||
		    ps.v[i].cmdline[ps.v[i].cmdlen - 1] == '\0',
		    "a command line not NUL-terminated");
	}
	procsnap_free(&ps);
	return 0;
}
