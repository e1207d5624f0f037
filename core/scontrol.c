#include "scontrol.h"

#include <stdlib.h>
#include <string.h>

#include "nodes.h"
#include "textscan.h"
#include "xmalloc.h"

void
scontrol_job_argv(const char *id, struct strv *out)
{
	strv_push(out, "scontrol");
	strv_push(out, "--oneliner");
	strv_push(out, "--details");
	strv_push(out, "show");
	strv_push(out, "job");
	strv_push(out, id);
}

/* The value of a "KEY=value" word, or an empty span. */
static struct span
value_of(struct span w, const char *key)
{
	size_t n = strlen(key);

	if (w.n < n || memcmp(w.p, key, n) != 0)
		return (struct span){ NULL, 0 };
	return (struct span){ w.p + n, w.n - n };
}

/* What the words of the output say, in order. */
struct reading {
	struct strv got, layout;
	long per_task;
	struct span prev;	/* the word before */
	bool ok;
};

static void
read_word(struct reading *rd, struct span w)
{
	struct span nodes = value_of(rd->prev, "Nodes="),
	    ids = value_of(w, "CPU_IDs="), pt = value_of(w, "CPUs/Task=");
	size_t from = rd->got.n;
	long cpus;
	char *list;

	rd->prev = w;
	if (pt.p != NULL && textscan_int(pt) > 0)
		rd->per_task = textscan_int(pt);
	if (nodes.p == NULL || ids.p == NULL)
		return;
	cpus = nodes_count_ids(ids.p, ids.n);
	list = textscan_dup(nodes);
	rd->ok = cpus > 0 && list != NULL &&
	    nodes_expand(list, &rd->got, NULL) == 0;
	free(list);
	/* CPUs/Task comes before the per-node entries. */
	for (size_t i = from; rd->ok && i < rd->got.n; i++)
		strv_pushf(&rd->layout, "%ld", cpus / rd->per_task > 0 ?
		    cpus / rd->per_task : 1);
}

char *
scontrol_layout(const char *buf, size_t len, const char *nodelist)
{
	struct reading rd = { STRV_INIT, STRV_INIT, 1, { NULL, 0 }, true };
	struct strv want = STRV_INIT;
	struct textscan ts;
	struct span line, w[1];
	char *out = NULL;

	rd.ok = nodes_expand(nodelist, &want, NULL) == 0;
	textscan_init(&ts, buf, len);
	while (rd.ok && textscan_line(&ts, &line, NULL))
		while (rd.ok && textscan_words(line, w, 1, &line) == 1)
			read_word(&rd, w[0]);
	rd.ok = rd.ok && rd.got.n == want.n && rd.got.n > 0;
	for (size_t i = 0; rd.ok && i < rd.got.n; i++)
		rd.ok = strcmp(rd.got.v[i], want.v[i]) == 0;
	if (rd.ok)
		out = strv_join(&rd.layout, ",");
	strv_clear(&want);
	strv_clear(&rd.got);
	strv_clear(&rd.layout);
	return out;
}
