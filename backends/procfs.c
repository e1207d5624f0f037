#include "procfs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xmalloc.h"

static bool
boot_matches(const struct cluster *c, const struct procsnap *ps)
{
	/* The record's boot is this machine's: another host's snapshot is
	 * told apart by start times alone. */
	if (!ps->local)
		return true;
	return c->boot_id == NULL || *c->boot_id == '\0' ||
	    *ps->boot_id == '\0' || strcmp(c->boot_id, ps->boot_id) == 0;
}

static bool
marked(const struct cluster *c, const struct procsnap_proc *p)
{
	return p != NULL && p->env != NULL && c->dir != NULL &&
	    strcmp(p->env, c->dir) == 0;
}

/* Records without start times: a process of ours carries our mark, or at
 * least our IPython profile on its command line. */
static bool
carries_mark(const struct cluster *c, const struct procsnap_proc *p)
{
	bool yes = marked(c, p);
	char *want;

	if (!yes && c->ipython_profile != NULL) {
		want = xasprintf("--profile=%s", c->ipython_profile);
		yes = procsnap_has_arg(p, want);
		free(want);
	}
	return yes;
}

enum leader {
	LEADER_NONE,		/* no process has the pid */
	LEADER_OURS,
	LEADER_OTHER,		/* the pid was reused */
};

static enum leader
leader_of(const struct cluster *c, const struct procsnap *ps,
    const struct cluster_proc *pr, const struct procsnap_proc **out)
{
	const struct procsnap_proc *p = pr->pid > 0 ?
	    procsnap_find(ps, pr->pid) : NULL;

	*out = p;
	if (p == NULL)
		return LEADER_NONE;
	if (!boot_matches(c, ps) || p->sid != pr->pid)
		return LEADER_OTHER;
	if (pr->start_time != 0)
		return p->start == pr->start_time ? LEADER_OURS : LEADER_OTHER;
	return carries_mark(c, p) ? LEADER_OURS : LEADER_OTHER;
}

bool
procfs_proc_alive(const struct cluster *c, const struct procsnap *ps,
    const struct cluster_proc *pr)
{
	const struct procsnap_proc *p;

	return leader_of(c, ps, pr, &p) == LEADER_OURS && procsnap_live(p);
}

bool
procfs_proc_stopped(const struct cluster *c, const struct procsnap *ps,
    const struct cluster_proc *pr)
{
	const struct procsnap_proc *p;

	return leader_of(c, ps, pr, &p) == LEADER_OURS && procsnap_live(p) &&
	    (p->state == 'T' || p->state == 't');
}

size_t
procfs_proc_pids(const struct cluster *c, const struct procsnap *ps,
    const struct cluster_proc *pr, pid_t **out)
{
	const struct procsnap_proc *p;

	if (out != NULL)
		*out = NULL;
	/* With the leader gone the session id stays ours: the kernel does not
	 * hand out a pid still in use as a session id. */
	if (!boot_matches(c, ps) || leader_of(c, ps, pr, &p) == LEADER_OTHER)
		return 0;
	return procfs_session_pids(ps, pr->pid, out);
}

void
procfs_fill_start(const struct cluster *c, const struct procsnap *ps,
    struct cluster_proc *pr)
{
	const struct procsnap_proc *p;

	if (pr->start_time == 0 && leader_of(c, ps, pr, &p) == LEADER_OURS &&
	    procsnap_live(p) && marked(c, p))
		pr->start_time = p->start;
}

size_t
procfs_session_pids(const struct procsnap *ps, pid_t sid, pid_t **out)
{
	size_t n = 0, cap = 0;

	if (out != NULL)
		*out = NULL;
	if (sid <= 0)
		return 0;
	for (size_t i = 0; i < ps->n; i++) {
		const struct procsnap_proc *p = &ps->v[i];

		if (!procsnap_live(p) || p->sid != sid)
			continue;
		if (out != NULL) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				*out = xreallocarray(*out, cap, sizeof **out);
			}
			(*out)[n] = p->pid;
		}
		n++;
	}
	return n;
}

/* host NULL: this machine, whatever name its records give it. */
static bool
covers(const struct cluster *c, const char *host, pid_t sid)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].pid == sid && (host == NULL ||
		    c->procs[i].host == NULL ||
		    strcmp(c->procs[i].host, host) == 0))
			return true;
	return false;
}

size_t
procfs_adopt_marked(struct cluster *c, const struct procsnap *ps,
    const char *host, bool children, unsigned roles)
{
	char name[256] = "localhost";
	size_t added = 0;

	if (host == NULL)
		gethostname(name, sizeof name - 1);
	for (size_t i = 0; i < ps->n; i++) {
		const struct procsnap_proc *p = &ps->v[i], *leader;
		struct cluster_proc *pr;
		enum cluster_role role;
		const char *comm;

		if (!procsnap_live(p) || !marked(c, p) ||
		    covers(c, host, p->sid))
			continue;
		if (!children && marked(c, procsnap_find(ps, p->ppid)))
			continue;
		/* Named after the session's leader when it is still there. */
		leader = procsnap_find(ps, p->sid);
		if (leader == NULL || !procsnap_live(leader))
			leader = p;
		comm = leader->comm != NULL && *leader->comm != '\0' ?
		    leader->comm : "?";
		role = strstr(comm, "ipcontroller") != NULL ?
		    CLUSTER_CONTROLLER : CLUSTER_ENGINES;
		if (!(roles & (role == CLUSTER_CONTROLLER ?
		    PROCFS_ADOPT_CONTROLLER : PROCFS_ADOPT_ENGINES)))
			continue;
		pr = cluster_add_proc(c, role, comm, p->sid, NULL, 0,
		    host != NULL ? host : name, NULL);
		pr->start_time = leader == p && p->pid != p->sid ? 0 :
		    leader->start;
		added++;
	}
	return added;
}
