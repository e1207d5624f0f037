#include "nodes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clusterstate.h"
#include "xmalloc.h"

/* Bound what a hostile or broken node list can make us allocate, and
 * how deep expand_one recurses ("r[1-2]n[1-2]" is 2). */
#define NODES_MAX 65536
#define NODES_GROUPS 8

struct expander {
	const char *list;	/* the whole list, for messages */
	struct strv *out;
	struct err *e;
};

/* A range bound: up to 9 digits. */
static int
bound(const char *s, size_t n, long *v)
{
	if (n == 0 || n > 9)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* The item at s[i..] of a list such as "0-3,6": its bounds (lo = hi for
 * a single number), the width of its low bound, and where the next item
 * starts (*next, past the comma). -1 when the item is no number or range
 * ("a", "0-", "-2"); -2 when it runs backwards ("3-1"). */
static int
range_item(const char *s, size_t n, size_t i, long *lo, long *hi,
    size_t *width, size_t *next)
{
	size_t j = i, dash;

	while (j < n && s[j] != ',')
		j++;
	dash = i;
	while (dash < j && s[dash] != '-')
		dash++;
	*next = j + 1;
	*width = dash - i;
	if (bound(s + i, dash - i, lo) == -1 || (dash < j &&
	    bound(s + dash + 1, j - dash - 1, hi) == -1))
		return -1;
	if (dash == j)
		*hi = *lo;
	return *hi < *lo ? -2 : 0;
}

/* Appends prefix + every expansion of s[0..n) (one name, no top-level
 * comma) to x->out; depth counts the bracket groups already expanded. */
static int
expand_one(struct expander *x, const char *prefix, const char *s, size_t n,
    int depth)
{
	const char *lb = memchr(s, '[', n), *rb, *body;
	size_t bn;

	if (memchr(s, ']', lb != NULL ? (size_t)(lb - s) : n) != NULL)
		return err_set(x->e, "node list '%s': ']' without '['",
		    x->list);
	if (lb != NULL && depth == NODES_GROUPS)
		return err_set(x->e, "node list '%s': more than %d bracket "
		    "groups in a name", x->list, NODES_GROUPS);
	if (lb == NULL) {
		if (x->out->n >= NODES_MAX)
			return err_set(x->e, "node list '%s': more than %d "
			    "names", x->list, NODES_MAX);
		strv_push_take(x->out, xasprintf("%s%.*s", prefix, (int)n, s));
		return 0;
	}
	body = lb + 1;
	rb = memchr(body, ']', n - (size_t)(body - s));
	if (rb == NULL)
		return err_set(x->e, "node list '%s': no ']'", x->list);
	bn = (size_t)(rb - body);
	for (size_t i = 0, next; i <= bn; i = next) {
		long lo, hi;
		size_t lw;
		int kind = range_item(body, bn, i, &lo, &hi, &lw, &next), width;
		int item = (int)(next - 1 - i);

		if (kind == -1)
			return err_set(x->e, "node list '%s': '%.*s' is not a "
			    "number or range", x->list, item, body + i);
		if (kind == -2)
			return err_set(x->e, "node list '%s': range '%.*s' "
			    "runs backwards", x->list, item, body + i);
		if (hi - lo >= NODES_MAX)
			return err_set(x->e, "node list '%s': more than %d "
			    "names", x->list, NODES_MAX);
		/* "01-12" pads to the low bound's width, as Slurm does. */
		width = body[i] == '0' ? (int)lw : 0;
		for (long k = lo; k <= hi; k++) {
			char *p = xasprintf("%s%.*s%0*ld", prefix,
			    (int)(lb - s), s, width, k);
			int rc = expand_one(x, p, rb + 1,
			    n - (size_t)(rb + 1 - s), depth + 1);

			free(p);
			if (rc == -1)
				return -1;
		}
	}
	return 0;
}

int
nodes_expand(const char *list, struct strv *out, struct err *e)
{
	struct expander x = { list, out, e };
	size_t i = 0, n = strlen(list);

	while (n > 0 && isspace((unsigned char)list[n - 1]))
		n--;
	while (i < n && isspace((unsigned char)list[i]))
		i++;
	if (i == n)
		return err_set(e, "node list '%s': empty", list);
	while (i <= n) {
		size_t j = i;
		int depth = 0;

		while (j < n && (depth > 0 || list[j] != ',')) {
			if (list[j] == '[')
				depth++;
			else if (list[j] == ']' && depth > 0)
				depth--;
			if (isspace((unsigned char)list[j]) ||
			    iscntrl((unsigned char)list[j]))
				return err_set(e, "node list '%s': a space or "
				    "control character in a name", list);
			j++;
		}
		if (j == i)
			return err_set(e, "node list '%s': an empty name",
			    list);
		if (expand_one(&x, "", list + i, j - i, 0) == -1)
			return -1;
		i = j + 1;
	}
	return 0;
}

long
nodes_count_ids(const char *s, size_t n)
{
	long count = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0, next; i <= n; i = next) {
		long lo, hi;
		size_t width;

		if (range_item(s, n, i, &lo, &hi, &width, &next) != 0)
			return -1;
		count += hi - lo + 1;
	}
	return count;
}

static size_t
label_len(const char *name)
{
	return strcspn(name, ".");
}

bool
nodes_same_host(const char *a, const char *b)
{
	size_t la = label_len(a), lb = label_len(b);

	if (strcasecmp(a, b) == 0)
		return true;
	/* A short name is the first label of the long one. */
	if ((a[la] == '\0') == (b[lb] == '\0'))
		return false;
	return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

/* Case-insensitive order of first labels: "cn1" and "CN1.example" are
 * equal here, so the names a hostname may match sit side by side. */
static int
label_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int c = strncasecmp(a, b, la < lb ? la : lb);

	return c != 0 ? c : (la > lb) - (la < lb);
}

/* The index order: first label, then the whole name, then position (so
 * the first of equal names comes first). */
static int
index_cmp(const void *pa, const void *pb, void *arg)
{
	const struct nodes_report *r = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const char *na = r->v[a].name, *nb = r->v[b].name;
	int c = label_cmp(na, label_len(na), nb, label_len(nb));

	if (c == 0)
		c = strcmp(na, nb);
	return c != 0 ? c : (a > b) - (a < b);
}

static void
sort_index(struct nodes_report *r)
{
	r->idx = xreallocarray(r->idx, r->n + 1, sizeof *r->idx);
	for (size_t i = 0; i < r->n; i++)
		r->idx[i] = i;
	qsort_r(r->idx, r->n, sizeof *r->idx, index_cmp, r);
}

/* Merges nodes listed twice (by two jobs) into the first, keeping the
 * scheduler's order, and sorts the index: O(n log n), where a search per
 * name would be quadratic in the nodes of a big job. */
static void
reindex(struct nodes_report *r)
{
	size_t keep = 0, w = 0;
	bool merged = false;

	sort_index(r);
	for (size_t k = 0; k < r->n; k++) {
		struct nodes_node *nd = &r->v[r->idx[k]], *first;

		if (k == 0 || strcmp(nd->name, r->v[keep].name) != 0) {
			keep = r->idx[k];
			continue;
		}
		first = &r->v[keep];
		first->expected += nd->expected;
		first->registered += nd->registered;
		first->guessed |= nd->guessed;
		free(nd->name);
		nd->name = NULL;
		merged = true;
	}
	if (!merged)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].name != NULL)
			r->v[w++] = r->v[i];
	r->n = w;
	sort_index(r);
}

/* layout ("3,1") as n counts into out; false when it is not n numbers. */
static bool
layout_counts(const char *layout, size_t n, int *out)
{
	const char *p = layout;

	for (size_t i = 0; i < n; i++) {
		char *end;
		long v;

		if (!isdigit((unsigned char)*p))
			return false;
		v = strtol(p, &end, 10);
		if (v > NODES_MAX * 64L || (*end != ',' && *end != '\0') ||
		    (*end == '\0') != (i == n - 1))
			return false;
		out[i] = (int)v;
		p = end + (*end == ',');
	}
	return true;
}

int
nodes_add_job(struct nodes_report *r, const char *nodelist,
    const char *layout, int engines, int per_node, struct err *e)
{
	struct strv names = STRV_INIT;
	int left = engines > 0 ? engines : 0, *placed;
	bool have_layout;

	if (nodes_expand(nodelist, &names, e) == -1) {
		strv_clear(&names);
		return -1;
	}
	r->v = xreallocarray(r->v, r->n + names.n + 1, sizeof *r->v);
	placed = xcalloc(names.n + 1, sizeof *placed);
	have_layout = layout != NULL && layout_counts(layout, names.n, placed);
	for (size_t i = 0; i < names.n; i++) {
		struct nodes_node *nd;
		int k;

		nd = &r->v[r->n++];
		memset(nd, 0, sizeof *nd);
		nd->name = xstrdup(names.v[i]);

		if (have_layout) {
			k = left < placed[i] ? left : placed[i];
		} else if (per_node > 0) {
			k = left < per_node ? left : per_node;
		} else {
			/* What is left, spread over the nodes still to go;
			 * the first ones take the remainder, as a block
			 * distribution does. */
			size_t rest = names.n - i;

			k = (int)(((size_t)left + rest - 1) / rest);
			/* All on one node is no guess. */
			nd->guessed = names.n > 1;
			r->guessed |= names.n > 1;
		}
		nd->expected += k;
		left -= k;
	}
	free(placed);
	strv_clear(&names);
	reindex(r);
	return 0;
}

void
nodes_add_host(struct nodes_report *r, const char *host)
{
	size_t lo = 0, hi = r->n, hl;

	if (host == NULL || *host == '\0') {
		r->unknown++;
		return;
	}
	/* The first node whose first label is the host's, then each with
	 * that label. */
	hl = label_len(host);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *nm = r->v[r->idx[mid]].name;

		if (label_cmp(nm, label_len(nm), host, hl) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->n; lo++) {
		struct nodes_node *nd = &r->v[r->idx[lo]];

		if (label_cmp(nd->name, label_len(nd->name), host, hl) != 0)
			break;
		if (nodes_same_host(nd->name, host)) {
			nd->registered++;
			return;
		}
	}
	r->elsewhere++;
}

/* Engines procs on the hosts their records name: each host once, with
 * the engines started there (lost ones too: they are missing there). */
static void
add_placed(struct nodes_report *r, const struct cluster *c)
{
	struct err e;

	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		int n = 0;
		bool seen = false;

		if (pr->role != CLUSTER_ENGINES || pr->job_id != NULL ||
		    pr->host == NULL)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = c->procs[k].role == CLUSTER_ENGINES &&
			    c->procs[k].host != NULL &&
			    strcmp(c->procs[k].host, pr->host) == 0;
		if (seen)
			continue;
		for (size_t k = i; k < c->nprocs; k++)
			if (c->procs[k].role == CLUSTER_ENGINES &&
			    c->procs[k].host != NULL &&
			    strcmp(c->procs[k].host, pr->host) == 0)
				n += c->procs[k].engines;
		if (nodes_add_job(r, pr->host, NULL, n, 0, &e) == -1 &&
		    r->error == NULL)
			r->error = xasprintf("%s: %s", pr->name, e.msg);
	}
}

void
nodes_of_cluster(struct nodes_report *r, const struct cluster *c,
    const struct job_table *jobs, char *const *hosts, size_t nhosts)
{
	int per_node = c->profile != NULL ? c->profile->tasks_per_node : 0;

	/* A controller that is not up answers no registry: its counts are
	 * stale, its state says why. */
	if (!clusterstate_controller_up(c))
		return;
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		const struct job_row *row;
		struct err e;

		if (pr->role != CLUSTER_ENGINES || pr->job_id == NULL)
			continue;
		row = jobtab_find(jobs, pr->job_id);
		if (row == NULL || row->state != JOB_RUNNING ||
		    row->nodelist == NULL)
			continue;
		if (nodes_add_job(r, row->nodelist, row->layout,
		    pr->engines > 0 ? pr->engines : c->engines, per_node,
		    &e) == -1 && r->error == NULL)
			r->error = xasprintf("job %s: %s", pr->job_id, e.msg);
	}
	if (cluster_meta_get(c, CLUSTER_META_PLACED) != NULL)
		add_placed(r, c);
	/* No running job, no nodes: the engines are not placed yet. */
	if (r->n == 0)
		return;
	for (size_t i = 0; i < nhosts; i++)
		nodes_add_host(r, hosts[i]);
}

bool
nodes_missing(const struct nodes_report *r, size_t i)
{
	const struct nodes_node *n = &r->v[i];
	long have = 0, want = 0, lack = 0;

	if (n->registered >= n->expected)
		return false;
	for (size_t k = 0; k < r->n; k++) {
		have += r->v[k].registered;
		want += r->v[k].expected;
		if (r->v[k].registered < r->v[k].expected)
			lack += r->v[k].expected - r->v[k].registered;
	}
	/* Engines whose host is not known, or known under a name that is
	 * none of the nodes', may be the ones this node lacks. */
	if (lack <= (long)r->unknown + r->elsewhere)
		return false;
	return !n->guessed || n->registered == 0 || have < want;
}

char *
nodes_summary(const struct nodes_report *r)
{
	struct strv sv = STRV_INIT;
	char *out;

	for (size_t i = 0; i < r->n; i++)
		strv_pushf(&sv, "%s %d/%d", r->v[i].name, r->v[i].registered,
		    r->v[i].expected);
	out = strv_join(&sv, "  ");
	strv_clear(&sv);
	if (out == NULL)
		return xstrdup("");
	if (r->guessed) {
		char *g = xasprintf("%s (guess: even split)", out);

		free(out);
		out = g;
	}
	return out;
}

static const char *
plural(int n)
{
	return n == 1 ? "" : "s";
}

void
nodes_notes(const struct nodes_report *r, struct strv *out)
{
	bool missing = false, short_of = false;

	for (size_t i = 0; i < r->n; i++) {
		short_of |= r->v[i].registered < r->v[i].expected;
		if (nodes_missing(r, i)) {
			missing = true;
			strv_pushf(out, "%s: %d/%d engines registered",
			    r->v[i].name, r->v[i].registered,
			    r->v[i].expected);
		}
	}
	if (r->error != NULL)
		strv_push(out, r->error);
	if (!short_of)
		return;
	if (r->elsewhere > 0)
		strv_pushf(out, "%d engine%s registered from a host that is "
		    "none of the jobs' nodes", r->elsewhere,
		    plural(r->elsewhere));
	if (r->unknown > 0)
		strv_pushf(out, "%d engine%s whose hostname is not known (not "
		    "asked yet, busy, or the controller did not answer)",
		    r->unknown, plural(r->unknown));
	if (r->guessed && missing)
		strv_push(out, "engines per node are a guess (an even split): "
		    "the profile sets no tasks_per_node");
}

void
nodes_clear(struct nodes_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].name);
	free(r->v);
	free(r->idx);
	free(r->error);
	memset(r, 0, sizeof *r);
}
