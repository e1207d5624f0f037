#include "doctor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "xmalloc.h"

/* probe.sh MODE CMD DIR ARGS...: finds the Python that command CMD runs
 * (the engine's, or the controller's for MODE listen) and runs MODE.py
 * with it. A command that is missing or no Python script is reported, and
 * python3 from PATH still runs the TCP part. */
static const char probe_sh[] =
    "# hpctop doctor: what a process started here with this command gets.\n"
    "mode=$1 cmd=$2 dir=$3\n"
    "shift 3\n"
    "host=$(hostname)\n"
    "# Reports go to files: launchers interleave their tasks' output.\n"
    "out=$dir/" DOCTOR_REPORT "$host.$$\n"
    "say() { printf '%s\\n' \"" DOCTOR_TAG " $host $*\" >>\"$out\"; }\n"
    "# The Python a command runs: itself when it is one, else its #! line's.\n"
    "interp() {\n"
    "\tp=$(command -v \"$1\") || return 1\n"
    "\tcase ${p##*/} in python*) printf '%s\\n' \"$p\"; return 0 ;; esac\n"
    "\tIFS= read -r line <\"$p\" || return 2\n"
    "\tcase $line in '#!'*) ;; *) return 2 ;; esac\n"
    "\tset -- ${line#??}\n"
    "\tif [ \"${1##*/}\" = env ]; then\n"
    "\t\tshift\n"
    "\t\t[ \"$1\" = -S ] && shift\n"
    "\t\tp=$(command -v \"$1\") || return 2\n"
    "\telse\n"
    "\t\tp=$1\n"
    "\tfi\n"
    "\tcase ${p##*/} in python*) printf '%s\\n' \"$p\" ;; *) return 2 ;; esac\n"
    "}\n"
    "if py=$(interp \"$cmd\"); then\n"
    "\t[ \"$mode\" = probe ] && say engine \"$(command -v \"$cmd\")\"\n"
    "\tfull=1\n"
    "else\n"
    "\twhy=$?\n"
    "\tif [ \"$mode\" = probe ]; then\n"
    "\t\tif [ \"$why\" = 1 ]; then say missing \"$cmd: not found\"\n"
    "\t\telse say missing \"$cmd: not a Python program (no #! line "
    "naming python)\"; fi\n"
    "\tfi\n"
    "\tpy=$(command -v python3) || { say tcp-error \"no python3 here to "
    "test with\"; exit 0; }\n"
    "\tfull=0\n"
    "fi\n"
    "exec \"$py\" \"$dir/$mode.py\" \"$out\" \"$host\" \"$dir\" \"$full\" \"$@\"\n";

/* probe.py OUT HOST DIR FULL MPI TCP: FULL 1 reports the Python, ipyparallel
 * and (MPI 1) mpi4py's library without initialising MPI; TCP 1 connects
 * to where DIR/listen says the controller side listens. */
static const char probe_py[] =
    "import os, socket, sys, time\n"
    "out, host, d, full, mpi, tcp = sys.argv[1:7]\n"
    "def say(key, value):\n"
    "    with open(out, 'a') as f:\n"
    "        f.write('" DOCTOR_TAG " %s %s %s\\n' % (host, key, "
    "' '.join(str(value).replace('\\0', ' ').split())))\n"
    "def why(e):\n"
    "    return '%s: %s' % (type(e).__name__, e)\n"
    "if full == '1':\n"
    "    say('python', '%d.%d.%d %s' % (sys.version_info[:3] + "
    "(sys.executable,)))\n"
    "    try:\n"
    "        import ipyparallel\n"
    "        say('ipyparallel', ipyparallel.__version__)\n"
    "    except Exception as e:\n"
    "        say('ipyparallel-error', why(e))\n"
    "    if mpi == '1':\n"
    "        try:\n"
    "            import mpi4py\n"
    "            mpi4py.rc.initialize = mpi4py.rc.finalize = False\n"
    "            from mpi4py import MPI\n"
    "            say('mpi4py', MPI.Get_library_version().splitlines()[0])\n"
    "        except Exception as e:\n"
    "            say('mpi4py-error', why(e))\n"
    "if tcp == '1':\n"
    "    path = os.path.join(d, '" DOCTOR_LISTEN "')\n"
    "    end = time.monotonic() + 30\n"
    "    while not os.path.exists(path) and time.monotonic() < end:\n"
    "        time.sleep(0.2)\n"
    "    try:\n"
    "        with open(path) as f:\n"
    "            addr, port = f.read().split()\n"
    "    except (OSError, ValueError) as e:\n"
    "        say('tcp-error', 'the controller side never said where it "
    "listens (%s)' % why(e))\n"
    "    else:\n"
    "        try:\n"
    "            socket.create_connection((addr, int(port)), timeout=5)"
    ".close()\n"
    "            say('tcp', '%s:%s' % (addr, port))\n"
    "        except OSError as e:\n"
    "            say('tcp-error', '%s:%s (%s)' % (addr, port, why(e)))\n";

/* listen.py OUT HOST DIR FULL IP IFACE: the controller's side, as
 * ipcontroller would bind: IP, IFACE's IPv4 address (SIOCGIFADDR), or
 * every interface advertised by host name. Connections complete in the
 * backlog; the job script kills it when the probes are done. */
static const char listen_py[] =
    "import fcntl, os, socket, struct, sys, time\n"
    "out, host, d, full, ip, iface = sys.argv[1:7]\n"
    "def say(key, value):\n"
    "    with open(out, 'a') as f:\n"
    "        f.write('" DOCTOR_TAG " %s %s %s\\n' % (host, key, "
    "' '.join(str(value).replace('\\0', ' ').split())))\n"
    "try:\n"
    "    if iface:\n"
    "        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "        ip = socket.inet_ntoa(fcntl.ioctl(s.fileno(), 0x8915, "
    "struct.pack('256s', iface[:15].encode()))[20:24])\n"
    "    srv = socket.socket()\n"
    "    srv.bind(('' if ip in ('', '*') else ip, 0))\n"
    "    srv.listen(1024)\n"
    "except OSError as e:\n"
    "    say('listen-error', '%s%s: %s' % ('interface %s: ' % iface if iface "
    "else '', ip or '*', e))\n"
    "    sys.exit(0)\n"
    "adv = host if ip in ('', '*') else ip\n"
    "port = srv.getsockname()[1]\n"
    "tmp = os.path.join(d, '" DOCTOR_LISTEN ".%d' % os.getpid())\n"
    "with open(tmp, 'w') as f:\n"
    "    f.write('%s %d\\n' % (adv, port))\n"
    "os.rename(tmp, os.path.join(d, '" DOCTOR_LISTEN "'))\n"
    "say('listen', '%s:%d' % (adv, port))\n"
    "end = time.monotonic() + 600\n"
    "while time.monotonic() < end:\n"
    "    time.sleep(1)\n";

/* cpi DIR: every rank says (in DIR/report.mpi.RANK) the world size it
 * sees and whether an Allreduce of the ranks came out right: size 1
 * everywhere means the launcher and the MPI library do not know each
 * other. */
static const char cpi_c[] =
    "#include <mpi.h>\n"
    "#include <stdio.h>\n"
    "#include <unistd.h>\n"
    "\n"
    "int\n"
    "main(int argc, char **argv)\n"
    "{\n"
    "\tint rank, size, sum = -1;\n"
    "\tchar host[256] = \"?\", path[4096];\n"
    "\tFILE *f;\n"
    "\n"
    "\tMPI_Init(&argc, &argv);\n"
    "\tMPI_Comm_rank(MPI_COMM_WORLD, &rank);\n"
    "\tMPI_Comm_size(MPI_COMM_WORLD, &size);\n"
    "\tMPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);\n"
    "\tgethostname(host, sizeof host - 1);\n"
    "\tsnprintf(path, sizeof path, \"%s/" DOCTOR_REPORT "mpi.%d\", argv[1], "
    "rank);\n"
    "\tif ((f = fopen(path, \"w\")) == NULL) {\n"
    "\t\tperror(path);\n"
    "\t\treturn 1;\n"
    "\t}\n"
    "\tfprintf(f, \"" DOCTOR_TAG " %s mpi %d %d %d\\n\", host, rank, size,\n"
    "\t    sum == size * (size - 1) / 2);\n"
    "\tfclose(f);\n"
    "\tMPI_Finalize();\n"
    "\treturn 0;\n"
    "}\n";

int
doctor_write(const char *dir, const char *name, const char *text,
    struct err *e)
{
	char *path = xasprintf("%s/%s", dir, name);
	int rc = file_write(path, text, 0600, e);

	free(path);
	return rc;
}

int
doctor_write_files(const char *dir, struct err *e)
{
	if (doctor_write(dir, DOCTOR_PROBE, probe_sh, e) == -1 ||
	    doctor_write(dir, "probe.py", probe_py, e) == -1 ||
	    doctor_write(dir, "listen.py", listen_py, e) == -1 ||
	    doctor_write(dir, DOCTOR_CPI_SRC, cpi_c, e) == -1)
		return -1;
	return 0;
}

int
doctor_write_listen(const char *dir, const char *addr, int port,
    struct err *e)
{
	char *text = xasprintf("%s %d\n", addr, port);
	char *tmp = xasprintf("%s/%s.tmp", dir, DOCTOR_LISTEN);
	char *path = xasprintf("%s/%s", dir, DOCTOR_LISTEN);
	int rc = doctor_write(dir, DOCTOR_LISTEN ".tmp", text, e);

	if (rc == 0 && rename(tmp, path) == -1)
		rc = err_errno(e, "cannot rename %s", tmp);
	free(text);
	free(tmp);
	free(path);
	return rc;
}

static struct doctor_node *
node_for(struct doctor_report *r, const char *host, size_t hl)
{
	struct doctor_node *nd;

	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->nodes[i].host) == hl &&
		    memcmp(r->nodes[i].host, host, hl) == 0)
			return &r->nodes[i];
	r->nodes = xreallocarray(r->nodes, r->n + 1, sizeof *r->nodes);
	nd = &r->nodes[r->n++];
	memset(nd, 0, sizeof *nd);
	nd->host = xstrndup(host, hl);
	return nd;
}

/* Tasks on one host report alike: the first report of a fact stands. */
static void
set_once(char **field, const char *value)
{
	if (*field == NULL)
		*field = xstrdup(value);
}

static void
parse_mpi(struct doctor_report *r, struct doctor_node *nd, const char *v)
{
	int rank, size, sumok;

	if (sscanf(v, "%d %d %d", &rank, &size, &sumok) != 3)
		return;
	if (r->ranks == 0 || size < r->size_min)
		r->size_min = size;
	if (r->ranks == 0 || size > r->size_max)
		r->size_max = size;
	r->ranks++;
	nd->ranks++;
	if (!sumok)
		r->sum_bad++;
}

/* The report's words that set one string of a node, once. */
static const struct {
	const char *key;
	size_t off;
} node_fields[] = {
	{ "engine", offsetof(struct doctor_node, engine) },
	{ "missing", offsetof(struct doctor_node, missing) },
	{ "python", offsetof(struct doctor_node, python) },
	{ "ipyparallel", offsetof(struct doctor_node, ipp) },
	{ "ipyparallel-error", offsetof(struct doctor_node, ipp_error) },
	{ "mpi4py", offsetof(struct doctor_node, mpi) },
	{ "mpi4py-error", offsetof(struct doctor_node, mpi_error) },
	{ "tcp", offsetof(struct doctor_node, tcp) },
	{ "tcp-error", offsetof(struct doctor_node, tcp_error) },
	{ "listen", offsetof(struct doctor_node, listen) },
	{ "listen-error", offsetof(struct doctor_node, listen_error) },
};

static void
parse_line(struct doctor_report *r, const char *line)
{
	static const char tag[] = DOCTOR_TAG " ";
	const char *host, *key, *value;
	size_t hl, kl;
	struct doctor_node *nd;
	char *k;

	if (strncmp(line, tag, sizeof tag - 1) != 0)
		return;
	host = line + sizeof tag - 1;
	hl = strcspn(host, " ");
	if (hl == 0 || host[hl] != ' ')
		return;
	key = host + hl + 1;
	kl = strcspn(key, " ");
	value = key[kl] == ' ' ? key + kl + 1 : key + kl;
	nd = node_for(r, host, hl);
	k = xstrndup(key, kl);
	if (strcmp(k, "mpi") == 0)
		parse_mpi(r, nd, value);
	for (size_t i = 0; i < sizeof node_fields / sizeof *node_fields; i++)
		if (strcmp(k, node_fields[i].key) == 0)
			set_once((char **)((char *)nd + node_fields[i].off),
			    value);
	free(k);
}

void
doctor_parse(const char *text, struct doctor_report *r)
{
	const char *p = text;

	while (*p != '\0') {
		size_t ll = strcspn(p, "\n");
		char *line = xstrndup(p, ll);

		parse_line(r, line);
		free(line);
		p += ll + (p[ll] == '\n');
	}
}

int
doctor_collect(const char *dir, struct doctor_report *r, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return err_errno(e, "cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		char *path, *buf;
		size_t len;

		if (strncmp(de->d_name, DOCTOR_REPORT, strlen(DOCTOR_REPORT)) !=
		    0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (file_read(path, DOCTOR_REPORT_MAX, 0, &buf, &len, e) == 0) {
			/* A NUL would hide the facts after it. */
			for (size_t i = 0; i < len; i++)
				if (buf[i] == '\0')
					buf[i] = ' ';
			doctor_parse(buf, r);
			free(buf);
		} else
			rc = -1;
		if (unlink(path) == -1 && rc == 0)
			rc = err_errno(e, "cannot remove %s", path);
		free(path);
	}
	closedir(d);
	return rc;
}

void
doctor_report_clear(struct doctor_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct doctor_node *nd = &r->nodes[i];

		free(nd->host);
		free(nd->engine);
		free(nd->missing);
		free(nd->python);
		free(nd->ipp);
		free(nd->ipp_error);
		free(nd->mpi);
		free(nd->mpi_error);
		free(nd->tcp);
		free(nd->tcp_error);
		free(nd->listen);
		free(nd->listen_error);
	}
	free(r->nodes);
	memset(r, 0, sizeof *r);
}

char *
doctor_python_minor(const char *python)
{
	size_t n = strcspn(python, ". ");

	if (python[n] == '.')
		n += 1 + strcspn(python + n + 1, ". ");
	return xstrndup(python, n);
}

const char *
doctor_status_name(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK:
		return "ok";
	case DOCTOR_FAILED:
		return "failed";
	case DOCTOR_SKIPPED:
		break;
	}
	return "skipped";
}

void
doctor_add(struct doctor_list *l, const char *check, enum doctor_status s,
    const char *fix, const char *fmt, ...)
{
	struct doctor_check *c;
	va_list ap;

	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	c = &l->v[l->n++];
	c->check = xstrdup(check);
	c->status = s;
	va_start(ap, fmt);
	c->detail = xvasprintf(fmt, ap);
	va_end(ap);
	c->fix = s == DOCTOR_FAILED && fix != NULL ? xstrdup(fix) : NULL;
}

bool
doctor_any_failed(const struct doctor_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].status == DOCTOR_FAILED)
			return true;
	return false;
}

void
doctor_list_clear(struct doctor_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].check);
		free(l->v[i].detail);
		free(l->v[i].fix);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
